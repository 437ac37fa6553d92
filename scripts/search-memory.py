#!/usr/bin/env python3
"""Memory of concurrent IMAP SEARCH BODY over one large message, end to end.

Against a running `./run.sh` (real Azurite blobs, the dev host's listeners): creates a mailbox,
APPENDs one message of --size MiB whose words are all different from the searched string, then
runs --clients IMAP sessions that each send `UID SEARCH BODY "<absent>"` --rounds times at once,
while sampling the dev host's resident memory (/proc/<pid>/status VmRSS) every 20 ms. It prints
the RSS before, the peak while the searches ran, and the peak growth per concurrent search.
A search that held the message would grow by at least its size per client.

  ./run.sh &                       # prints the admin key
  scripts/search-memory.py --admin-key KEY [--pid PID] [--size 49] [--clients 4] [--rounds 3]

The dev host's PID is found by its command line when --pid is not given.
"""
import argparse, imaplib, json, os, secrets, subprocess, threading, time, urllib.request


def api(base, key, method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status
    except urllib.error.HTTPError as e:
        if e.code == 409:  # already there from an earlier run
            return e.code
        raise


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def find_pid():
    out = subprocess.run(["pgrep", "-f", "Serverless.DevHost"], capture_output=True, text=True).stdout.split()
    pids = [int(p) for p in out if int(p) != os.getpid()]
    if not pids:
        raise SystemExit("no Serverless.DevHost process: start ./run.sh first, or pass --pid")
    return max(pids, key=rss_kib)


def message(size_mib):
    # Base64-looking text lines (76 characters) of random letters: quoted-printable would do as well;
    # what matters is that the search has to read every byte and never finds the string.
    line = ("abcdefghijklmnopqrstuvwxyz0123456789" * 3)[:76]
    body = []
    total = 0
    i = 0
    while total < size_mib * 1024 * 1024:
        l = f"{i:08d}{line[8:]}\r\n"
        body.append(l)
        total += len(l)
        i += 1
    head = ("From: someone@example.org\r\nTo: search-memory@memory.test\r\nSubject: large\r\n"
            "Message-ID: <large-%s@memory.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            % secrets.token_hex(4))
    return (head + "".join(body)).encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--admin-key", required=True)
    p.add_argument("--api", default="http://127.0.0.1:7071/api")
    p.add_argument("--imap-port", type=int, default=2143)
    p.add_argument("--pid", type=int)
    p.add_argument("--size", type=int, default=49, help="MiB (the default APPEND limit is 50 MiB with the header)")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()

    # A new mailbox each run, so the searches read exactly one message.
    user, password = f"search-{secrets.token_hex(3)}@memory.test", "search-memory-password"
    api(a.api, a.admin_key, "POST", "/tenants", {"id": "memory", "displayName": "Search memory"})
    api(a.api, a.admin_key, "POST", "/tenants/memory/domains", {"name": "memory.test"})
    api(a.api, a.admin_key, "POST", "/tenants/memory/mailboxes", {"address": user, "password": password})

    pid = a.pid or find_pid()
    m = imaplib.IMAP4("127.0.0.1", a.imap_port)
    m.login(user, password)
    data = message(a.size)
    typ, answer = m.append("INBOX", None, None, data)
    if typ != "OK":
        raise SystemExit(f"APPEND refused: {typ} {answer} (Mail:Imap:MaxAppendSize is 50 MiB by default)")
    m.logout()

    sessions = []
    for _ in range(a.clients):
        s = imaplib.IMAP4("127.0.0.1", a.imap_port)
        s.login(user, password)
        s.select("INBOX", readonly=True)
        sessions.append(s)
    time.sleep(1)
    before = rss_kib(pid)
    peak = before
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.time()
    for _ in range(a.rounds):
        results = [None] * a.clients

        def run(i):
            results[i] = sessions[i].uid("SEARCH", "BODY", '"zz-not-in-the-message-zz"')

        threads = [threading.Thread(target=run, args=(i,)) for i in range(a.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for typ, found in results:
            if typ != "OK" or found != [b""]:  # nothing matches
                raise SystemExit(f"unexpected SEARCH answer: {typ} {found}")
    elapsed = time.time() - started
    done.set()
    sampler.join()
    for s in sessions:
        s.logout()
    growth = peak - before
    print(f"message {len(data) / 1048576:.1f} MiB, {a.clients} concurrent SEARCH BODY x {a.rounds} rounds in {elapsed:.1f} s")
    print(f"dev host RSS before {before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, "
          f"growth {growth / 1024:.1f} MiB = {growth / 1024 / a.clients:.1f} MiB per concurrent search")


if __name__ == "__main__":
    main()

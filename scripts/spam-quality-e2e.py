#!/usr/bin/env python3
"""Issue 18's quality measure through the whole running stack, as a user and the internet would
drive it (bench/README.md, "Spam filter quality, end to end"). Started by scripts/spam-quality-e2e.sh,
which runs ./run.sh on other ports; only the Python standard library is used.

1. A fresh tenant, domain and mailbox through the HTTP API (admin key).
2. Training as a mail client does it: the first N spam and N ham of a fixed-seed shuffle are
   APPENDed to INBOX; the spam is MOVEd to Junk, the ham marked $NotJunk (both are learnt from the
   spam-learning queue). Waits until GET .../spam-training shows N of each in the mailbox's model.
3. Every other message goes to the MX over SMTP, each with an X-Quality-Id header to find it again;
   a 5xx at the end of DATA counts as refused.
4. Waits until every accepted message is filed, then counts where each one is: INBOX or Junk.

A DNS server on loopback answers NXDOMAIN to everything (the stack is started with it as its
resolver), so the corpus's senders publish no SPF/DKIM/DMARC records today: what is measured is the
content classifier and the connection signals, not what those domains publish now.
"""
import argparse
import imaplib
import json
import os
import random
import re
import secrets
import smtplib
import socket
import struct
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def null_dns(port):
    """Answers every query with NXDOMAIN (RFC 1035 header: QR, RD copied, RA, RCODE 3)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))

    def serve():
        while True:
            data, peer = sock.recvfrom(4096)
            if len(data) < 12:
                continue
            ident, flags = struct.unpack(">HH", data[:4])
            reply = struct.pack(">HHHHHH", ident, 0x8000 | (flags & 0x0100) | 0x0080 | 3, 1, 0, 0, 0) + data[12:]
            # Only the question section goes back: cut anything after it (EDNS OPT record).
            end = 12
            while end < len(reply) and reply[end] != 0:
                end += reply[end] + 1
            sock.sendto(reply[: end + 5], peer)

    threading.Thread(target=serve, daemon=True).start()


def api(base, key, method, path, body=None):
    request = urllib.request.Request(base + path, method=method, headers={"Authorization": "Bearer " + key})
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def load(path):
    """A corpus file as a message with CRLF line ends (the corpus starts each with an mbox From line)."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"From "):
        data = data[data.index(b"\n") + 1:]
    return re.sub(rb"\r\n|\r|\n", b"\r\n", data)


def files(corpus, *dirs):
    return sorted(os.path.join(corpus, d, f) for d in dirs for f in os.listdir(os.path.join(corpus, d)) if f.endswith(".txt"))


def imap_login(args, address, password):
    client = imaplib.IMAP4(args.host, args.imap_port)
    client.login(address, password)
    return client


def train(args, address, password, spam, ham):
    client = imap_login(args, address, password)
    client.select("INBOX")
    uids = {True: [], False: []}
    for is_spam, batch in ((True, spam), (False, ham)):
        for path in batch:
            typ, data = client.append("INBOX", None, None, load(path))
            match = re.search(rb"APPENDUID \d+ (\d+)", data[0])
            if typ != "OK" or not match:
                raise SystemExit(f"APPEND failed: {typ} {data}")
            uids[is_spam].append(match.group(1).decode())
    client.select("INBOX")
    for i in range(0, len(uids[True]), 100):
        typ, data = client.uid("MOVE", ",".join(uids[True][i:i + 100]), "Junk")
        if typ != "OK":
            raise SystemExit(f"MOVE failed: {data}")
    for i in range(0, len(uids[False]), 100):
        typ, data = client.uid("STORE", ",".join(uids[False][i:i + 100]), "+FLAGS.SILENT", "($NotJunk)")
        if typ != "OK":
            raise SystemExit(f"STORE failed: {data}")
    client.logout()


def deliver(args, address, batch):
    """Sends (id, path) pairs over one SMTP session at a time; returns the ids refused with 5xx."""
    refused = []
    smtp = None
    for ident, path in batch:
        message = b"X-Quality-Id: " + str(ident).encode() + b"\r\n" + load(path)
        for attempt in range(3):
            try:
                if smtp is None:
                    smtp = smtplib.SMTP(args.host, args.smtp_port, local_hostname="sender.quality.example", timeout=120)
                    smtp.ehlo()
                smtp.sendmail("corpus@sender.quality.example", [address], message, mail_options=["BODY=8BITMIME"])
                break
            except smtplib.SMTPResponseException as e:
                if 500 <= e.smtp_code < 600:
                    refused.append(ident)
                    smtp = None if e.smtp_code == 521 else smtp
                    break
                smtp = None
                time.sleep(1)
            except (smtplib.SMTPServerDisconnected, OSError):
                smtp = None
                time.sleep(1)
        else:
            raise SystemExit(f"message {ident} could not be delivered")
    if smtp is not None:
        smtp.quit()
    return refused


def filed(args, address, password):
    """X-Quality-Id -> (folder, the tests X-Spam-Status names, the score), for every test message filed so far."""
    client = imap_login(args, address, password)
    where = {}
    for folder in ("INBOX", "Junk"):
        client.select(folder, readonly=True)
        typ, data = client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (X-Quality-Id X-Spam-Status)])")
        for item in data:
            if isinstance(item, tuple):
                header = re.sub(rb"\r\n[ \t]+", b" ", item[1])
                match = re.search(rb"X-Quality-Id: (\d+)", header, re.IGNORECASE)
                fired = re.search(rb"tests=(\S*)", header)
                score = re.search(rb"score=(-?[0-9.]+)", header)
                if match:
                    where[int(match.group(1))] = (folder, fired.group(1).decode().split(",") if fired else [],
                                                  float(score.group(1)) if score else None)
    client.logout()
    return where


def tests_fired(where, ids):
    """How often each test fired among these messages, most frequent first."""
    counts = {}
    for i in ids:
        for test in where.get(i, ("", []))[1]:
            counts[test] = counts.get(test, 0) + 1
    return " ".join(f"{t}:{n}" for t, n in sorted(counts.items(), key=lambda x: -x[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--api", default="http://127.0.0.1:7071/api")
    parser.add_argument("--admin-key")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--imap-port", type=int, default=2143)
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--dns-port", type=int, default=0, help="start the NXDOMAIN server on this port")
    parser.add_argument("--train", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=18, help="the shuffle (Python's random.Random(seed)); 18 in bench/README.md's runs")
    parser.add_argument("--scores", help="write each test message's file, class, folder, score and tests here (tab-separated), "
                                         "to set beside the content driver's per-message figures (SPAM_QUALITY_SCORES)")
    parser.add_argument("--print-order", action="store_true",
                        help="print the shuffled files (relative to --corpus; the first --train of each class are learnt) and stop: "
                             "SPAM_QUALITY_ORDER=<that file> scripts/spam-quality.sh judges this run's split with the content classifier alone")
    args = parser.parse_args()
    if args.dns_port:
        null_dns(args.dns_port)

    rng = random.Random(args.seed)
    spam = files(args.corpus, "spam-1", "spam-2")
    ham = files(args.corpus, "easy-ham-1", "easy-ham-2", "hard-ham-1")
    rng.shuffle(spam)
    rng.shuffle(ham)
    if args.print_order:
        for path in spam + ham:
            print(os.path.relpath(path, args.corpus))
        return 0
    if not args.admin_key:
        parser.error("--admin-key is required")

    run = f"q{int(time.time())}"
    address, password = f"user@{run}.test", secrets.token_urlsafe(18)
    key = api(args.api, args.admin_key, "POST", "/tenants", {"id": run})["apiKey"]
    api(args.api, key, "POST", f"/tenants/{run}/domains", {"name": f"{run}.test"})
    api(args.api, key, "POST", f"/tenants/{run}/mailboxes", {"address": address, "password": password})

    clock = time.monotonic()
    train(args, address, password, spam[: args.train], ham[: args.train])
    status = None
    for _ in range(600):
        status = api(args.api, key, "GET", f"/tenants/{run}/mailboxes/{address}/spam-training")
        own = status["mailboxModel"]
        if own["spam"] >= args.train and own["ham"] >= args.train:
            break
        time.sleep(1)
    else:
        raise SystemExit(f"learning did not finish: {status}")
    print(f"trained through IMAP (APPEND, MOVE to Junk, $NotJunk) on {args.train} spam + {args.train} ham "
          f"in {time.monotonic() - clock:.0f} s: {json.dumps(status)}")

    tests = [(i, p, True) for i, p in enumerate(spam[args.train:])]
    tests += [(len(tests) + i, p, False) for i, p in enumerate(ham[args.train:])]
    is_spam = {i: s for i, _, s in tests}
    hard = {i for i, p, s in tests if not s and "hard-ham" in p}
    clock = time.monotonic()
    batches = [[(i, p) for i, p, _ in tests[k::args.sessions]] for k in range(args.sessions)]
    with ThreadPoolExecutor(args.sessions) as pool:
        refused = set(sum(pool.map(lambda b: deliver(args, address, b), batches), []))
    sent = time.monotonic() - clock
    print(f"delivered {len(tests)} messages through the MX in {sent:.0f} s ({len(tests) / sent:.0f} msg/s), {len(refused)} refused")

    where = {}
    for _ in range(600):
        where = filed(args, address, password)
        if len(where) + len(refused) >= len(tests):
            break
        time.sleep(2)
    missing = len(tests) - len(where) - len(refused)

    def count(ids):
        ids = list(ids)
        junk = sum(1 for i in ids if where.get(i, ("",))[0] == "Junk")
        gone = sum(1 for i in ids if i in refused)
        return junk, gone, len(ids)

    sj, sr, sn = count(i for i in is_spam if is_spam[i])
    hj, hr, hn = count(i for i in is_spam if not is_spam[i])
    ej, er, en = count(i for i in is_spam if not is_spam[i] and i not in hard)
    print(f"spam in Junk or refused: {sj + sr}/{sn} = {100.0 * (sj + sr) / sn:.2f} % ({sj} Junk, {sr} refused)")
    print(f"ham misfiled (Junk or refused): {hj + hr}/{hn} = {100.0 * (hj + hr) / hn:.2f} % "
          f"({hn - en} hard ham in the test set: {hj + hr - ej - er} of them); easy ham only: {ej + er}/{en} = {100.0 * (ej + er) / en:.2f} %")
    if args.scores:
        with open(args.scores, "w") as out:
            for i, p, s in tests:
                folder, fired, score = where.get(i, ("refused" if i in refused else "missing", [], None))
                out.write(f"{os.path.relpath(p, args.corpus)}\t{'spam' if s else 'ham'}\t{folder}\t{score}\t{','.join(fired)}\n")
    print("tests fired on the spam missed: " + tests_fired(where, [i for i in is_spam if is_spam[i] and where.get(i, ("",))[0] == "INBOX"]))
    print("tests fired on the ham misfiled: " + tests_fired(where, [i for i in is_spam if not is_spam[i] and where.get(i, ("",))[0] == "Junk"]))
    if missing:
        print(f"warning: {missing} accepted messages were not found in INBOX or Junk", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

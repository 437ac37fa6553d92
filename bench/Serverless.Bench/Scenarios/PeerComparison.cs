using System.Collections.Concurrent;
using System.Diagnostics;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Ours against a peer (Postfix + Dovecot by default), the same client code on both, one side after
/// the other in each step: SMTP accepted and visible in the IMAP INBOX, the imaptest-like IMAP mix
/// with clients sharing mailboxes, POP3 RETR with one command in flight. Mailboxes are seeded the
/// same way on both sides (SMTP to the server, then waiting until IMAP shows them) before a step is
/// timed; a peer mailbox that already holds enough mail (a run before) is not seeded again.
/// </summary>
internal static class PeerComparison
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        var users = new List<string>();
        for (var k = 0; k < o.CompareImapMailboxes + 2; k++)
        {
            users.Add((await stack.CreateMailboxAsync($"cmp{run}u{k}")).Address);
        }
        var ours = new MailEndpoint("ours", System.Net.IPAddress.Loopback, stack.Port("Smtp"), stack.Port("Imap"), stack.Port("Imaps"),
            stack.Port("Pop3"), stack.Port("Pop3s"), BenchStack.Password) { Users = users };
        var peer = o.PeerSelf ? await SelfAsync(stack, ours, o, run) : o.Peer();
        if (peer.Users.Count < o.CompareImapMailboxes + 2)
        {
            throw new ArgumentException($"the peer needs {o.CompareImapMailboxes + 2} users (--peer-users)");
        }
        Console.WriteLine($"  peer: {peer.Host} SMTP {peer.SmtpPort}, IMAP {peer.ImapPort}/{peer.ImapsPort}, POP3 {peer.Pop3Port}/{peer.Pop3sPort}, users {peer.Users[0]}…");
        var failures = new List<string>();
        async Task Step(string what, Func<MailEndpoint, bool, Task> body)
        {
            foreach (var (side, isPeer) in new[] { (ours, false), (peer, true) })
            {
                Console.WriteLine($"  -- {what}, {side.Name} (load average {BenchRun.LoadAverage()})");
                try
                {
                    await body(side, isPeer);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failures.Add($"{what} on {side.Name}: {e.GetType().Name}: {e.Message}");
                    report.Detail(failures[^1]);
                }
            }
        }

        await Step("warm-up", (side, _) => WarmAsync(side, o));
        await Step("SMTP", (side, isPeer) => SmtpAsync(side, isPeer, o, report, run));
        await Step("IMAP seeding", (side, _) => Task.WhenAll(Enumerable.Range(1, o.CompareImapMailboxes)
            .Select(k => SeedAsync(side, side.Users[k], o.ImapMailboxMessages, o.MessageSize, o))));
        await Step("IMAP mix", (side, isPeer) => ImapAsync(side, isPeer, isPeer ? null : stack, o, report));
        await Step("POP3 seeding", (side, _) => SeedAsync(side, side.Users[o.CompareImapMailboxes + 1], o.Pop3Messages, o.Pop3MessageSize, o));
        await Step("POP3", (side, isPeer) => Pop3Async(side, isPeer, o, report));
        if (failures.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" | ", failures));
        }
    }

    /// <summary>
    /// --peer-self: our own stack again, with its own accounts, as the "peer" (a sanity check of the
    /// comparison itself, ratios near 1; and the smoke test's way to run this phase without peers).
    /// </summary>
    private static async Task<MailEndpoint> SelfAsync(BenchStack stack, MailEndpoint ours, BenchOptions o, int run)
    {
        var users = new List<string>();
        for (var k = 0; k < o.CompareImapMailboxes + 2; k++)
        {
            users.Add((await stack.CreateMailboxAsync($"cmp{run}p{k}")).Address);
        }
        return ours with { Name = "ours again", Users = users };
    }

    /// <summary>
    /// Each protocol's path before anything is timed (JIT, TLS, storage connections on our side;
    /// Dovecot's indexes on the peer's): <c>--compare-warmup</c> messages by SMTP until IMAP shows
    /// them, an IMAP FETCH of 20, then POP3 RETRs of them. A few messages are not enough for .NET:
    /// its tiered JIT compiles ~12,000 methods over the first 2,000 messages after a start (the
    /// tier-up thread alone 1.3 ms of CPU per message), which a process serving mail for days pays once.
    /// </summary>
    private static async Task WarmAsync(MailEndpoint side, BenchOptions o)
    {
        var user = side.Users[0];
        var count = Math.Max(1, o.CompareWarmup);
        var run = Guid.NewGuid().ToString("N");
        await using (var imap = await side.ImapAsync(o.CompareImapSecurity))
        {
            await imap.LoginAsync(user, side.Password);
            var before = await imap.SelectAsync("INBOX");
            var next = -1;
            var sending = Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    await side.SendAsync("sender@client.test", user, SmtpSender.Message("sender@client.test", user, $"warm-{run}-{i}@client.test", o.MessageSize, "Warm-up"));
                }
            })));
            await WaitVisibleAsync(imap, before + count, TimeSpan.FromSeconds(60 + (count * 0.1)), sending);
            await sending;
            await imap.RunAsync($"FETCH 1:{Math.Min(20, before + count)} (FLAGS ENVELOPE BODY.PEEK[])");
            await imap.LogoutAsync();
        }
        await using var pop3 = await side.Pop3Async(o.ComparePop3Security);
        await pop3.LoginAsync(user, side.Password);
        await pop3.RetrieveAllAsync(count, 1);
        await pop3.QuitAsync();
    }

    /// <summary>N messages, one per connection, C sessions, to the first user; an IMAP client polls (NOOP every 50 ms) until all are in the INBOX.</summary>
    private static async Task SmtpAsync(MailEndpoint side, bool isPeer, BenchOptions o, Report report, int run)
    {
        var user = side.Users[0];
        var bodies = Enumerable.Range(0, o.Messages)
            .Select(i => SmtpSender.Message("sender@client.test", user, $"cmp-{run}-{side.Name}-{i}@client.test", o.MessageSize, $"Benchmark message {i}"))
            .ToArray();
        await using var watcher = await side.ImapAsync(o.CompareImapSecurity);
        await watcher.LoginAsync(user, side.Password);
        var before = await watcher.SelectAsync("INBOX");
        var cpu = new CpuWindow();
        var peerCpu = new PeerCpuWindow();
        var clock = Stopwatch.StartNew();
        var next = -1;
        var sending = Task.Run(async () =>
        {
            await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < o.Messages)
                {
                    await side.SendAsync("sender@client.test", user, bodies[i]);
                }
            })));
            return clock.Elapsed.TotalSeconds; // the last 250
        });
        var visible = await WaitVisibleAsync(watcher, before + o.Messages, TimeSpan.FromSeconds(60 + (o.Messages * 0.1)), sending);
        var accepted = await sending;
        var visibleAt = clock.Elapsed.TotalSeconds;
        report.Detail($"SMTP on {side.Name}: {cpu.Describe(o.Messages)}{peerCpu.Describe()}");
        var label = $"{o.MessageSize / 1024} KiB, {o.Concurrency} sessions, 1 message/connection, plaintext";
        report.Compare($"SMTP accepted ({o.Messages} × {label})", "msg/s", isPeer, o.Messages / accepted);
        if (visible < before + o.Messages)
        {
            report.Detail($"{side.Name}: IMAP showed {visible - before} of {o.Messages} messages before the deadline");
        }
        report.Compare($"the same, visible in the IMAP INBOX (NOOP poll every 50 ms, {o.CompareImapSecurity.Describe(pop3: false)})", "msg/s", isPeer, (visible - before) / visibleAt);
    }

    /// <summary>NOOP every 50 ms until EXISTS reaches <paramref name="target"/> (the same poll on every server); returns the last EXISTS.</summary>
    private static async Task<int> WaitVisibleAsync(ImapConnection c, int target, TimeSpan deadline, Task? failFast = null)
    {
        var clock = Stopwatch.StartNew();
        var exists = 0;
        while (clock.Elapsed < deadline)
        {
            exists = ImapConnection.Exists(await c.RunAsync("NOOP")) ?? exists;
            if (exists >= target)
            {
                return exists;
            }
            if (failFast is { IsFaulted: true })
            {
                await failFast;
            }
            await Task.Delay(50);
        }
        return exists;
    }

    /// <summary>Tops a user's INBOX up to <paramref name="count"/> messages by SMTP and waits until IMAP shows them.</summary>
    private static async Task SeedAsync(MailEndpoint side, string user, int count, int size, BenchOptions o)
    {
        await using var c = await side.ImapAsync(o.CompareImapSecurity);
        await c.LoginAsync(user, side.Password);
        var have = await c.SelectAsync("INBOX");
        if (have >= count)
        {
            return;
        }
        var next = have - 1;
        await Task.WhenAll(Enumerable.Range(0, Math.Max(o.Concurrency, 4)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = SmtpSender.Message("seed@client.test", user, $"seed-{i}-{Guid.NewGuid():N}@client.test", size, $"Seeded message {i} about topic{i % 7}");
                await side.SendAsync("seed@client.test", user, body);
            }
        })));
        var shown = await WaitVisibleAsync(c, count, TimeSpan.FromSeconds(60 + (count * 0.1)));
        if (shown < count)
        {
            throw new TimeoutException($"{user}: IMAP showed {shown} of {count} seeded messages");
        }
        await c.LogoutAsync();
    }

    private static async Task ImapAsync(MailEndpoint side, bool isPeer, BenchStack? stack, BenchOptions o, Report report)
    {
        var m = o.CompareImapMailboxes;
        var stats = new ConcurrentDictionary<string, ConcurrentBag<double>>();
        var w = stack is null ? null : new StorageWindow(stack.Meter);
        var cpu = new CpuWindow();
        var peerCpu = new PeerCpuWindow();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, o.ImapClients).Select(c => Task.Run(() =>
        {
            var user = side.Users[1 + (c % m)];
            var append = SmtpSender.RawMessage("sender@client.test", user, $"append-{c}-{Guid.NewGuid():N}@client.test", o.MessageSize, "Appended topic1");
            return ImapMix.RunClientAsync(() => side.ImapAsync(o.CompareImapSecurity), user, side.Password, c, append, clock, o.ImapDuration, stats);
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var total = stats.Values.Sum(b => b.Count);
        report.Compare($"IMAP mix, {o.ImapClients} clients on {m} shared mailboxes of {o.ImapMailboxMessages}, {o.CompareImapSecurity.Describe(pop3: false)}", "ops/s", isPeer, total / seconds);
        report.Detail($"IMAP mix on {side.Name}: {cpu.Describe()}{peerCpu.Describe()}; " + string.Join(", ", stats.OrderBy(kv => kv.Key).Select(kv =>
        {
            var sorted = kv.Value.Order().ToList();
            return $"{kv.Key} {sorted.Count} (p50 {SmtpScenario.Percentile(sorted, 0.5):0.0} ms)";
        })));
        if (w is not null && stack is not null)
        {
            var delta = w.DeltaWithoutQueuePolls();
            report.Detail($"IMAP mix on ours: {(double)delta.Values.Sum() / total:0.00} storage requests per operation ({StorageWindow.Describe(delta, stack.Prefix, total)} per op)");
        }
    }

    private static async Task Pop3Async(MailEndpoint side, bool isPeer, BenchOptions o, Report report)
    {
        await using var c = await side.Pop3Async(o.ComparePop3Security);
        await c.LoginAsync(side.Users[o.CompareImapMailboxes + 1], side.Password);
        var stat = await c.CommandAsync("STAT");
        var cpu = new CpuWindow();
        var peerCpu = new PeerCpuWindow();
        var clock = Stopwatch.StartNew();
        var times = new List<(double ToStatus, double Body)>();
        var bytes = await c.RetrieveAllAsync(o.Pop3Messages, window: 1, times: times);
        var seconds = clock.Elapsed.TotalSeconds;
        report.Compare($"POP3 RETR ({o.Pop3Messages} × {o.Pop3MessageSize / 1024} KiB, 1 client, one command in flight, {o.ComparePop3Security.Describe(pop3: true)})", "msg/s", isPeer, o.Pop3Messages / seconds);
        report.Detail($"POP3 on {side.Name}: {stat}; {bytes / seconds / 1024 / 1024:0.0} MiB/s; {cpu.Describe(o.Pop3Messages, "RETR")}{peerCpu.Describe()}");
        report.Detail(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"POP3 on {side.Name}, client's view: RETR → +OK mean {times.Average(t => t.ToStatus):0.000} ms, +OK → end of body mean {times.Average(t => t.Body):0.000} ms"));
        await c.QuitAsync();
    }
}

/// <summary>The peers' CPU over a measured stretch (<see cref="PeerCpu"/>), as a share of one core.</summary>
internal sealed class PeerCpuWindow
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly double _start = PeerCpu.Seconds();

    public string Describe() => $", Postfix + Dovecot {(PeerCpu.Seconds() - _start) / _clock.Elapsed.TotalSeconds:P0} of a core";
}

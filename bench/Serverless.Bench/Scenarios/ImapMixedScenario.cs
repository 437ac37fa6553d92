using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;
using Serverless.Mail.Accounts;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// The mixed IMAP workload (imaptest-like): N clients, each on its own mailbox, issue commands
/// back to back for a fixed time. Every command counts as one operation. Mix per step: 5 %
/// reconnect (LOGIN + SELECT), 25 % FETCH headers of 10 messages (ENVELOPE, FLAGS, size, a few
/// header fields), 20 % FETCH a whole message, 20 % STORE a flag, 10 % SEARCH (UNSEEN or a
/// SUBJECT word), 20 % expunge one message (STORE \Deleted + UID EXPUNGE, then APPEND a new
/// one so the folder keeps its size).
/// </summary>
internal static partial class ImapMixedScenario
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run, bool imap)
    {
        var name = $"IMAP mixed workload, {o.ImapClients} clients";
        if (!imap)
        {
            report.NotMeasured(name, "ops/s", Target.Min(1750), "IMAP listener not available");
            return;
        }
        var mailboxes = new MailboxRecord[o.ImapClients];
        for (var c = 0; c < o.ImapClients; c++)
        {
            mailboxes[c] = await stack.CreateMailboxAsync($"mixed{run}x{c}");
        }
        await Task.WhenAll(mailboxes.Select(m => Seeder.SeedAsync(stack, m, o.ImapMailboxMessages, o.MessageSize, parallelism: 16)));
        var stats = new ConcurrentDictionary<string, ConcurrentBag<double>>();
        var w = new StorageWindow(stack.Meter);
        var cpu = new CpuWindow();
        var clock = Stopwatch.StartNew();
        var deadline = o.ImapDuration;
        await Task.WhenAll(mailboxes.Select((m, c) => Task.Run(() => ClientAsync(stack, m, c, o, clock, deadline, stats))));
        var seconds = clock.Elapsed.TotalSeconds;
        var delta = w.DeltaWithoutQueuePolls();
        var total = stats.Values.Sum(b => b.Count);
        report.Detail("IMAP workload " + cpu.Describe());
        report.Add(name, total / seconds, "ops/s", o.ImapClients == 10 ? Target.Min(1750) : null);
        foreach (var (op, times) in stats.OrderBy(kv => kv.Key))
        {
            var sorted = times.Order().ToList();
            report.Detail($"{op}: {sorted.Count} ({sorted.Count / seconds:0}/s), p50 {SmtpScenario.Percentile(sorted, 0.5):0.0} ms, p99 {SmtpScenario.Percentile(sorted, 0.99):0.0} ms");
        }
        report.Detail($"storage requests during the workload: {(double)delta.Values.Sum() / total:0.00} per operation ({StorageWindow.Describe(delta, stack.Prefix, total)} per op)");
    }

    private static async Task ClientAsync(BenchStack stack, MailboxRecord mailbox, int seed, BenchOptions o, Stopwatch clock, TimeSpan deadline,
        ConcurrentDictionary<string, ConcurrentBag<double>> stats)
    {
        var random = new Random(seed);
        var port = stack.Port("Imap");
        ImapConnection? c = null;
        List<long> uids = [];
        var appendBody = SmtpSender.RawMessage("sender@client.test", mailbox.Address, $"append-{seed}@client.test", o.MessageSize, "Appended topic1");

        async Task<T> Timed<T>(string op, Func<Task<T>> action)
        {
            var t = clock.Elapsed.TotalMilliseconds;
            var result = await action();
            stats.GetOrAdd(op, _ => []).Add(clock.Elapsed.TotalMilliseconds - t);
            return result;
        }

        async Task ConnectAsync()
        {
            if (c is not null)
            {
                await c.LogoutAsync();
                await c.DisposeAsync();
            }
            c = await ImapConnection.ConnectAsync(port);
            await Timed("login", async () => { await c.LoginAsync(mailbox.Address, BenchStack.Password); return 0; });
            await Timed("select", () => c.SelectAsync("INBOX"));
            var all = await Timed("search", () => c.RunAsync("UID SEARCH ALL"));
            uids = Uids(all);
        }

        await ConnectAsync();
        while (clock.Elapsed < deadline)
        {
            var roll = random.Next(100);
            var uid = uids.Count == 0 ? 1 : uids[random.Next(uids.Count)];
            if (roll < 5)
            {
                await ConnectAsync();
            }
            else if (roll < 30)
            {
                var at = uids.Count == 0 ? 0 : random.Next(Math.Max(1, uids.Count - 10));
                var range = uids.Count == 0 ? "1" : $"{uids[at]}:{uids[Math.Min(uids.Count - 1, at + 9)]}";
                await Timed("fetch headers", () => c!.RunAsync($"UID FETCH {range} (UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])"));
            }
            else if (roll < 50)
            {
                await Timed("fetch body", () => c!.RunAsync($"UID FETCH {uid} (BODY.PEEK[])"));
            }
            else if (roll < 70)
            {
                var sign = random.Next(2) == 0 ? "+" : "-";
                await Timed("store", () => c!.RunAsync($"UID STORE {uid} {sign}FLAGS.SILENT (\\Seen)"));
            }
            else if (roll < 80)
            {
                var query = random.Next(2) == 0 ? "UNSEEN" : $"SUBJECT topic{random.Next(7)}";
                await Timed("search", () => c!.RunAsync("UID SEARCH " + query));
            }
            else if (uids.Count > 0)
            {
                await Timed("store", () => c!.RunAsync($"UID STORE {uid} +FLAGS.SILENT (\\Deleted)"));
                await Timed("expunge", () => c!.RunAsync($"UID EXPUNGE {uid}"));
                uids.Remove(uid);
                await Timed("append", () => c!.RunWithLiteralAsync("APPEND INBOX", appendBody));
                var m = AppendUid().Match(c!.LastTagged);
                if (m.Success)
                {
                    uids.Add(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }
        }
        await c!.LogoutAsync();
        await c.DisposeAsync();
    }

    private static List<long> Uids(List<ImapLine> lines) =>
        [.. lines.Where(l => l.Text.StartsWith("* SEARCH", StringComparison.Ordinal))
            .SelectMany(l => l.Text[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"APPENDUID \d+ (\d+)")]
    private static partial Regex AppendUid();
}

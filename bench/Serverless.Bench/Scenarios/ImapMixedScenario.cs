using System.Collections.Concurrent;
using System.Diagnostics;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;
using Serverless.Mail.Accounts;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// The mixed IMAP workload (imaptest-like, <see cref="ImapMix"/>): N clients, each on its own
/// mailbox, plaintext, issue commands back to back for a fixed time. Every command counts as one
/// operation.
/// </summary>
internal static class ImapMixedScenario
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
        var all = w.Total;
        var total = stats.Values.Sum(b => b.Count);
        report.Detail("IMAP workload " + cpu.Describe());
        report.Add(name, total / seconds, "ops/s", o.ImapClients == 10 ? Target.Min(1750) : null);
        foreach (var (op, times) in stats.OrderBy(kv => kv.Key))
        {
            var sorted = times.Order().ToList();
            report.Detail($"{op}: {sorted.Count} ({sorted.Count / seconds:0}/s), p50 {SmtpScenario.Percentile(sorted, 0.5):0.0} ms, p99 {SmtpScenario.Percentile(sorted, 0.99):0.0} ms");
        }
        report.Detail($"storage requests during the workload: {(double)delta.Values.Sum() / total:0.00} per operation ({StorageWindow.Describe(delta, stack.Prefix, total)} per op); " +
            $"{(double)all / Math.Max(1, total):0.00} with the dev host's queue polls; {cpu.AzuriteCostPer(total)}");
        foreach (var line in w.DescribeByActivity(stack.Prefix))
        {
            report.Detail("  by command: " + line);
        }
    }

    private static Task ClientAsync(BenchStack stack, MailboxRecord mailbox, int seed, BenchOptions o, Stopwatch clock, TimeSpan deadline,
        ConcurrentDictionary<string, ConcurrentBag<double>> stats) =>
        ImapMix.RunClientAsync(() => ImapConnection.ConnectAsync(stack.Port("Imap")), mailbox.Address, BenchStack.Password, seed,
            SmtpSender.RawMessage("sender@client.test", mailbox.Address, $"append-{seed}@client.test", o.MessageSize, "Appended topic1"),
            clock, deadline, stats);
}

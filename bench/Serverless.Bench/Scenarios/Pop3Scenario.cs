using System.Diagnostics;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// POP3 RETR of every message of a maildrop by one client, pipelined (the server offers
/// PIPELINING and reads pipelined RETR blobs ahead). Timed from the first RETR to the last byte.
/// </summary>
internal static class Pop3Scenario
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        var mailbox = await stack.CreateMailboxAsync($"pop{run}");
        if (o.Pop3ViaMx)
        {
            await DeliverAsync(stack, mailbox.Address, o, report);
        }
        else
        {
            await Seeder.SeedAsync(stack, mailbox, o.Pop3Messages, o.Pop3MessageSize);
        }
        await using var c = await Pop3Connection.ConnectAsync(stack.Port("Pop3"));
        await c.LoginAsync(mailbox.Address, BenchStack.Password);
        var stat = await c.CommandAsync("STAT");
        var w = new StorageWindow(stack.Meter);
        var cpu = new CpuWindow();
        var clock = Stopwatch.StartNew();
        var times = o.Pop3Window == 1 ? new List<(double ToStatus, double Body)>() : null;
        var bytes = await c.RetrieveAllAsync(o.Pop3Messages, o.Pop3Window, times: times);
        var seconds = clock.Elapsed.TotalSeconds;
        var delta = w.DeltaWithoutQueuePolls();
        report.Add($"POP3 RETR ({o.Pop3MessageSize / 1024} KiB, 1 client, {o.Pop3Window} pipelined)", o.Pop3Messages / seconds, "msg/s",
            o.Pop3MessageSize == 30 * 1024 ? Target.Min(5000) : null);
        report.Detail($"POP3: {stat}; {bytes / seconds / 1024 / 1024:0.0} MiB/s; storage per RETR: {StorageWindow.Describe(delta, stack.Prefix, o.Pop3Messages)}");
        report.Detail("POP3 RETR " + cpu.Describe(o.Pop3Messages, "RETR"));
        if (times is { Count: > 0 })
        {
            // One RETR in flight: the wait for +OK is the server finding the message (fetched ahead, or
            // read from storage now), the rest is the body crossing the connection.
            var status = times.Select(t => t.ToStatus).Order().ToList();
            var body = times.Select(t => t.Body).Order().ToList();
            report.Detail(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"POP3 serial RETR, client's view: RETR → +OK p50 {SmtpScenario.Percentile(status, 0.5):0.000} ms, p90 {SmtpScenario.Percentile(status, 0.9):0.000} ms, mean {status.Average():0.000} ms; +OK → end of body p50 {SmtpScenario.Percentile(body, 0.5):0.000} ms, mean {body.Average():0.000} ms"));
        }
        await c.QuitAsync();
    }

    /// <summary>--pop3-via-mx: the maildrop arrives through the MX, as mail does, and is filed by the ingest before anything is timed.</summary>
    private static async Task DeliverAsync(BenchStack stack, string address, BenchOptions o, Report report)
    {
        var ingestedBefore = SmtpScenario.IngestedCount(stack);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < o.Pop3Messages)
            {
                var body = SmtpSender.Message("sender@client.test", address, $"pop-{i}-{Guid.NewGuid():N}@client.test", o.Pop3MessageSize, $"Delivered message {i}");
                await SmtpSender.SendAsync(stack.Port("Smtp"), "sender@client.test", address, body);
            }
        })));
        if (!await StorageWindow.WaitAsync(() => SmtpScenario.IngestedCount(stack) - ingestedBefore >= o.Pop3Messages, TimeSpan.FromSeconds(60 + (o.Pop3Messages * 0.05))))
        {
            report.Detail($"POP3: the ingest did not file the {o.Pop3Messages} delivered messages within the deadline");
        }
    }
}

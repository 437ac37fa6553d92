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
        await Seeder.SeedAsync(stack, mailbox, o.Pop3Messages, o.Pop3MessageSize);
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
}

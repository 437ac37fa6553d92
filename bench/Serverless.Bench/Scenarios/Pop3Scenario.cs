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
        var bytes = await c.RetrieveAllAsync(o.Pop3Messages, o.Pop3Window);
        var seconds = clock.Elapsed.TotalSeconds;
        var delta = w.DeltaWithoutQueuePolls();
        report.Add($"POP3 RETR ({o.Pop3MessageSize / 1024} KiB, 1 client, {o.Pop3Window} pipelined)", o.Pop3Messages / seconds, "msg/s",
            o.Pop3MessageSize == 30 * 1024 ? Target.Min(5000) : null);
        report.Detail($"POP3: {stat}; {bytes / seconds / 1024 / 1024:0.0} MiB/s; storage per RETR: {StorageWindow.Describe(delta, stack.Prefix, o.Pop3Messages)}");
        report.Detail("POP3 RETR " + cpu.Describe(o.Pop3Messages, "RETR"));
        await c.QuitAsync();
    }
}

using System.Diagnostics;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;
using Serverless.Mail.Accounts;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// SELECT time of large folders (seeded straight into the index; the rows share one blob, SELECT
/// never reads it). Three cases per size: the very first SELECT of the folder ever; SELECT on a
/// new connection to the listener that served it before (median of 5); SELECT in a freshly
/// started listener process (nothing of that folder cached; the snapshot the first SELECT left in storage).
/// </summary>
internal static class SelectScenario
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run, bool imap)
    {
        if (!imap)
        {
            foreach (var size in o.SelectSizes)
            {
                report.NotMeasured($"SELECT of a {size:#,0}-message folder", "ms", TargetFor(size), "IMAP listener not available");
            }
            return;
        }
        var folders = new List<(int Size, MailboxRecord Mailbox)>();
        foreach (var size in o.SelectSizes)
        {
            var mailbox = await stack.CreateMailboxAsync($"sel{run}x{size}");
            var seeding = Stopwatch.StartNew();
            await Seeder.SeedAsync(stack, mailbox, size, 2 * 1024, shareOneBlob: true, parallelism: 400);
            report.Detail($"seeded {size:#,0} index rows in {seeding.Elapsed.TotalSeconds:0.0} s");
            folders.Add((size, mailbox));

            var first = await TimeSelectAsync(stack.Port("Imap"), mailbox);
            report.Add($"SELECT of a {size:#,0}-message folder, first ever (builds its snapshot)", first.Ms, "ms", null, $"EXISTS {first.Exists}");
            var warm = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                warm.Add((await TimeSelectAsync(stack.Port("Imap"), mailbox)).Ms);
            }
            warm.Sort();
            report.Add($"SELECT of a {size:#,0}-message folder, new connection (median of 5)", warm[2], "ms", TargetFor(size));
        }

        // A small folder first, so the fresh process's figure is about the folder, not about JIT.
        var small = await stack.CreateMailboxAsync($"selwarm{run}");
        await Seeder.SeedAsync(stack, small, 10, 2 * 1024);
        await TimeSelectAsync(stack.Port("Imap"), small);
        await using var fresh = await ListenerProcess.StartAsync(stack);
        await TimeSelectAsync(fresh.ImapPort, small);
        foreach (var (size, mailbox) in folders)
        {
            var cold = await TimeSelectAsync(fresh.ImapPort, mailbox);
            report.Add($"SELECT of a {size:#,0}-message folder, fresh listener process", cold.Ms, "ms", TargetFor(size), "its first SELECT of that folder (after one of a small folder)");
        }
    }

    private static Target? TargetFor(int size) => size switch
    {
        10_000 => Target.Max(50),
        100_000 => Target.Max(300),
        _ => null,
    };

    private static async Task<(double Ms, int Exists)> TimeSelectAsync(int port, MailboxRecord mailbox)
    {
        await using var c = await ImapConnection.ConnectAsync(port);
        await c.LoginAsync(mailbox.Address, BenchStack.Password);
        var clock = Stopwatch.StartNew();
        var exists = await c.SelectAsync("INBOX");
        var ms = clock.Elapsed.TotalMilliseconds;
        await c.LogoutAsync();
        return (ms, exists);
    }
}

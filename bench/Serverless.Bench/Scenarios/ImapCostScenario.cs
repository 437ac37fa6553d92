using Serverless.Bench.Clients;
using Serverless.Bench.Stack;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Storage transactions of single IMAP commands, from the host's meter: LOGIN + SELECT of an
/// unchanged folder on a new connection (the account and its folder were used before, as for any
/// returning client), FETCH of headers, FETCH of a whole message, STORE.
/// </summary>
internal static class ImapCostScenario
{
    public static async Task RunAsync(BenchStack stack, Report report, int run, bool imap)
    {
        if (!imap)
        {
            report.NotMeasured("Storage transactions per IMAP LOGIN + SELECT", "req", Target.Max(2), "IMAP listener not available");
            return;
        }
        var mailbox = await stack.CreateMailboxAsync($"imapcost{run}");
        await Seeder.SeedAsync(stack, mailbox, 50, 4 * 1024);
        await using (var first = await ImapConnection.ConnectAsync(stack.Port("Imap")))
        {
            await first.LoginAsync(mailbox.Address, BenchStack.Password);
            await first.SelectAsync("INBOX");
            await first.LogoutAsync();
        }
        await Task.Delay(500);

        var w = new StorageWindow(stack.Meter);
        await using var c = await ImapConnection.ConnectAsync(stack.Port("Imap"));
        await c.LoginAsync(mailbox.Address, BenchStack.Password);
        var login = w.DeltaWithoutQueuePolls();
        await c.SelectAsync("INBOX");
        var both = w.DeltaWithoutQueuePolls();
        report.Add("Storage transactions per IMAP LOGIN + SELECT (unchanged folder)", both.Values.Sum(), "req", Target.Max(2),
            $"LOGIN {login.Values.Sum()}");
        report.Detail("LOGIN + SELECT: " + StorageWindow.Describe(both, stack.Prefix));

        await Measure(report, stack, c, "FETCH headers of 1 message", "UID FETCH 10 (UID FLAGS BODY.PEEK[HEADER])");
        await Measure(report, stack, c, "FETCH ENVELOPE of 20 messages", "FETCH 1:20 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE)");
        await Measure(report, stack, c, "FETCH body of 1 message", "UID FETCH 11 (BODY.PEEK[])");
        await Measure(report, stack, c, "STORE +FLAGS on 1 message", "UID STORE 12 +FLAGS (\\Flagged)");
        await c.LogoutAsync();
    }

    private static async Task Measure(Report report, BenchStack stack, ImapConnection c, string what, string command)
    {
        var w = new StorageWindow(stack.Meter);
        await c.RunAsync(command);
        var d = w.DeltaWithoutQueuePolls();
        report.Add($"Storage transactions per {what}", d.Values.Sum(), "req");
        report.Detail($"{what}: {StorageWindow.Describe(d, stack.Prefix)}");
    }
}

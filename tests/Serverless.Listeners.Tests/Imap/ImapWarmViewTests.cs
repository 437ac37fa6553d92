using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Feed;
using Serverless.Mail.Storage;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// Issue 16: SELECT, STATUS and LIST of a folder this process keeps current (another session has it
/// selected, the change feed followed) read nothing; a change made through another listener reaches
/// them through the feed. Both listeners check folders only every ten minutes here
/// (<c>CommandCheckInterval</c>), so only the feed can tell listener A of B's changes; the tests read
/// the feed at a known moment (<see cref="ChangeFeedReader.ReadOnceAsync"/>) instead of waiting for
/// its tail. Requests are counted per IMAP command (<see cref="StorageRequestMeter.BeginActivity"/>),
/// so the feed's own background writes and reads are not in them.
/// </summary>
public sealed class ImapWarmViewTests(ITestOutputHelper output)
{
    private const string Password = "correct horse battery staple";

    private async Task<long> MeasureAsync(ListenerHost host, string command, Func<Task> run)
    {
        var meter = host.Services.GetRequiredService<StorageRequestMeter>();
        var activity = "IMAP " + command;
        long Count() => meter.ActivitySnapshot().Where(kv => kv.Key.Activity == activity).Sum(kv => kv.Value);
        var before = Count();
        await run();
        var requests = Count() - before;
        output.WriteLine($"{command}: {requests} requests");
        return requests;
    }

    private static async Task<RawImap> LoginAsync(ListenerHost host, MailboxRecord mailbox)
    {
        var raw = await RawImap.ConnectAsync(host.Ports.Imap);
        await raw.LoginAsync(mailbox.Address, Password);
        return raw;
    }

    /// <summary>B's feed entries are written and A has read the feed: what A's tail would do within its interval.</summary>
    private static async Task FeedDeliveredAsync(ListenerHost from, ListenerHost to)
    {
        await from.Services.GetRequiredService<ChangeFeedWriter>().FlushAsync();
        await to.Services.GetRequiredService<ChangeFeedReader>().ReadOnceAsync();
    }

    /// <summary>Before: SELECT 1 (the folder row), STATUS 1 (the folder row), LIST 1 (the folder list query).</summary>
    [Fact]
    public async Task Select_status_and_list_of_a_folder_kept_current_here_read_nothing()
    {
        await using var a = await ListenerHost.StartAsync(ImapChangeFeedTests.SlowPolls);
        var mailbox = await ImapChangeFeedTests.CreateMailboxAsync(a);
        for (var i = 1; i <= 3; i++)
        {
            await ImapChangeFeedTests.DeliverAsync(a.Services, mailbox, "m" + i);
        }
        await using var first = await LoginAsync(a, mailbox);
        await first.CommandAsync("SELECT INBOX");
        await first.CommandAsync("UID STORE 1 +FLAGS.SILENT (\\Seen)");

        await using var second = await LoginAsync(a, mailbox);
        List<string> selected = [];
        Assert.Equal(0, await MeasureAsync(a, "SELECT", async () => selected = await second.CommandAsync("SELECT INBOX")));
        Assert.Contains("* 3 EXISTS", selected);
        Assert.Contains("* 0 RECENT", selected); // the first session claimed them
        Assert.Contains("* OK [UNSEEN 2] First unseen message", selected);
        Assert.Contains("* OK [UIDNEXT 4] Predicted next UID", selected);
        Assert.EndsWith("OK [READ-WRITE] SELECT completed", selected[^1], StringComparison.Ordinal);

        List<string> status = [];
        Assert.Equal(0, await MeasureAsync(a, "STATUS", async () => status = await second.CommandAsync("STATUS INBOX (MESSAGES UNSEEN RECENT UIDNEXT DELETED)")));
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 3 UNSEEN 2 RECENT 0 UIDNEXT 4 DELETED 0)", status[0]);

        Assert.Equal(1, await MeasureAsync(a, "LIST", () => second.CommandAsync("LIST \"\" *")));
        List<string> listed = [];
        Assert.Equal(0, await MeasureAsync(a, "LIST", async () => listed = await second.CommandAsync("LIST \"\" *")));
        Assert.Contains(listed, l => l.EndsWith(" \"INBOX\"", StringComparison.Ordinal));

        // A folder created here is listed at once (this process's change drops its copy of the list).
        await second.CommandAsync("CREATE Work");
        Assert.Contains((await second.CommandAsync("LIST \"\" *")), l => l.EndsWith(" \"Work\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Changes_made_through_another_listener_reach_select_status_and_list_through_the_feed()
    {
        await using var a = await ListenerHost.StartAsync(ImapChangeFeedTests.SlowPolls);
        var prefix = a.Services.GetRequiredService<StorageOptions>().Prefix;
        await using var b = await ListenerHost.StartAsync(ImapChangeFeedTests.SlowPolls, prefix);
        var mailbox = await ImapChangeFeedTests.CreateMailboxAsync(a);
        await ImapChangeFeedTests.DeliverAsync(a.Services, mailbox, "m1");
        await ImapChangeFeedTests.DeliverAsync(a.Services, mailbox, "m2");
        await using var holder = await LoginAsync(a, mailbox);
        await holder.CommandAsync("SELECT INBOX");
        await using var here = await LoginAsync(a, mailbox);
        await here.CommandAsync("LIST \"\" *");
        Assert.Equal(0, await MeasureAsync(a, "STATUS", () => here.CommandAsync("STATUS INBOX (MESSAGES)"))); // answered from memory

        // Through listener B: a message appended, a flag set, a folder created.
        await using var there = await LoginAsync(b, mailbox);
        await there.CommandAsync("SELECT INBOX");
        var message = "From: b@example.org\r\nSubject: via B\r\n\r\nHello.";
        Assert.Contains("OK [APPENDUID", (await there.CommandAsync($"APPEND INBOX {{{message.Length}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
        await there.CommandAsync("UID STORE 1 +FLAGS.SILENT (\\Seen)");
        await there.CommandAsync("CREATE Projects");
        await FeedDeliveredAsync(b, a);

        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 3 UNSEEN 2)", (await here.CommandAsync("STATUS INBOX (MESSAGES UNSEEN)"))[0]);
        var selected = await here.CommandAsync("SELECT INBOX");
        Assert.Contains("* 3 EXISTS", selected);
        Assert.Contains("* OK [UNSEEN 2] First unseen message", selected);
        Assert.Contains(await here.CommandAsync("LIST \"\" *"), l => l.EndsWith(" \"Projects\"", StringComparison.Ordinal));

        // A folder renamed through B is not selected under its old name here.
        await here.CommandAsync("SELECT Projects");
        await here.CommandAsync("UNSELECT");
        await holder.CommandAsync("SELECT Projects");
        Assert.EndsWith("OK RENAME completed", (await there.CommandAsync("RENAME Projects Closed"))[^1], StringComparison.Ordinal);
        await FeedDeliveredAsync(b, a);
        Assert.EndsWith("NO [NONEXISTENT] Mailbox does not exist", (await here.CommandAsync("SELECT Projects"))[^1], StringComparison.Ordinal);
        Assert.EndsWith("NO [NONEXISTENT] Mailbox does not exist", (await here.CommandAsync("STATUS Projects (MESSAGES)"))[^1], StringComparison.Ordinal);
        Assert.Contains(await here.CommandAsync("LIST \"\" *"), l => l.EndsWith(" \"Closed\"", StringComparison.Ordinal));
    }

    /// <summary>Without the change feed nothing else would tell this process of another's changes: SELECT, STATUS and LIST read, as before.</summary>
    [Fact]
    public async Task Without_the_change_feed_select_status_and_list_read_storage()
    {
        var settings = new Dictionary<string, string?>(ImapChangeFeedTests.SlowPolls) { ["Mail:ChangeFeed:Enabled"] = "false" };
        await using var a = await ListenerHost.StartAsync(settings);
        var mailbox = await ImapChangeFeedTests.CreateMailboxAsync(a);
        await ImapChangeFeedTests.DeliverAsync(a.Services, mailbox, "m1");
        await using var first = await LoginAsync(a, mailbox);
        await first.CommandAsync("SELECT INBOX");
        await using var second = await LoginAsync(a, mailbox);
        Assert.Equal(1, await MeasureAsync(a, "SELECT", () => second.CommandAsync("SELECT INBOX")));
        Assert.Equal(1, await MeasureAsync(a, "STATUS", () => second.CommandAsync("STATUS INBOX (MESSAGES)")));
        await second.CommandAsync("LIST \"\" *");
        Assert.Equal(1, await MeasureAsync(a, "LIST", () => second.CommandAsync("LIST \"\" *")));
    }
}

using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>Transcripts for behaviours Dovecot's imaptest holds servers to (issue 17, "wrong today").</summary>
public sealed class ImapComplianceTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Recent_goes_to_exactly_one_session_and_status_counts_only_unclaimed_messages()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var first = await host.RawAsync();
        await first.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains("* 0 RECENT", await first.CommandAsync("SELECT INBOX"));

        // Arrives while the first session has INBOX selected: \Recent there, and only there.
        await host.DeliverAsync(mailbox, ImapTestHost.Message("new"));
        var noop = await first.CommandAsync("NOOP");
        Assert.Equal(["* 1 EXISTS", "* 1 RECENT"], noop[..^1]);
        Assert.Equal("* 1 FETCH (FLAGS (\\Recent))", (await first.CommandAsync("FETCH 1 FLAGS"))[0]);

        await using var second = await host.RawAsync();
        await second.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal("* STATUS \"INBOX\" (RECENT 0)", (await second.CommandAsync("STATUS INBOX (RECENT)"))[0]);
        Assert.Contains("* 0 RECENT", await second.CommandAsync("SELECT INBOX"));
        Assert.Equal("* 1 FETCH (FLAGS ())", (await second.CommandAsync("FETCH 1 FLAGS"))[0]);

        // A message that arrives while nobody has the folder selected is counted until one SELECT claims it.
        await second.CommandAsync("CLOSE");
        await first.CommandAsync("CLOSE");
        await host.DeliverAsync(mailbox, ImapTestHost.Message("later"));
        Assert.Equal("* STATUS \"INBOX\" (RECENT 1)", (await second.CommandAsync("STATUS INBOX (RECENT)"))[0]);
        Assert.Contains("* 1 RECENT", await first.CommandAsync("SELECT INBOX"));
        Assert.Contains("* 0 RECENT", await second.CommandAsync("SELECT INBOX"));
        Assert.Equal("* STATUS \"INBOX\" (RECENT 0)", (await second.CommandAsync("STATUS INBOX (RECENT)"))[0]);
    }
}

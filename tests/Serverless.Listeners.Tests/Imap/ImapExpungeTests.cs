using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>EXPUNGE, UID EXPUNGE and the commands that end a selection (CLOSE, UNSELECT, EXAMINE).</summary>
public sealed class ImapExpungeTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Expunge_reports_each_removal_and_uid_expunge_only_touches_its_set()
    {
        var (_, raw) = await host.SelectedAsync(5);
        await using var _ = raw;
        await raw.CommandAsync("STORE 1,3,5 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* 3 EXPUNGE", "A004 OK UID EXPUNGE completed"], await raw.CommandAsync("UID EXPUNGE 2:3"));
        Assert.Equal(["* 4 EXPUNGE", "* 1 EXPUNGE", "A005 OK EXPUNGE completed"], await raw.CommandAsync("EXPUNGE"));
        Assert.Equal(["* 1 FETCH (UID 2)", "* 2 FETCH (UID 4)", "A006 OK FETCH completed"], await raw.CommandAsync("FETCH 1:* UID"));
    }

    [Fact]
    public async Task Close_expunges_silently_unselect_does_not_and_examine_is_read_only()
    {
        var (mailbox, raw) = await host.SelectedAsync(3);
        await using var _ = raw;
        await raw.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["A004 OK UNSELECT completed"], await raw.CommandAsync("UNSELECT"));
        Assert.Equal(3, (await host.Index.GetFolderAsync(mailbox.MailboxId, 1))!.Messages);
        var examine = await raw.CommandAsync("EXAMINE INBOX");
        Assert.Equal("A005 OK [READ-ONLY] EXAMINE completed", examine[^1]);
        Assert.Contains("* OK [PERMANENTFLAGS ()] No permanent flags in a read-only mailbox", examine);
        Assert.Equal(["A006 NO The mailbox is read-only"], await raw.CommandAsync("STORE 1 +FLAGS \\Seen"));
        Assert.Equal(["A007 NO The mailbox is read-only"], await raw.CommandAsync("EXPUNGE"));
        Assert.Equal(["A008 OK CLOSE completed"], await raw.CommandAsync("CLOSE")); // read-only: nothing removed
        Assert.Equal(3, (await host.Index.GetFolderAsync(mailbox.MailboxId, 1))!.Messages);
        await raw.CommandAsync("SELECT INBOX");
        Assert.Equal(["A010 OK CLOSE completed"], await raw.CommandAsync("CLOSE"));
        Assert.Equal(2, (await host.Index.GetFolderAsync(mailbox.MailboxId, 1))!.Messages);
        Assert.Equal(["A011 BAD FETCH is not allowed without a selected mailbox"], await raw.CommandAsync("FETCH 1 FLAGS"));
    }
}

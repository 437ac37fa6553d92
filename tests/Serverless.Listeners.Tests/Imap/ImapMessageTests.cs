using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Serverless.Mail.Index;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapMessageTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private async Task<(Serverless.Mail.Accounts.MailboxRecord Mailbox, RawImap Raw)> SelectedAsync(int messages)
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= messages; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i));
        }
        var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        return (mailbox, raw);
    }

    [Fact]
    public async Task Store_adds_removes_replaces_and_stays_silent_when_asked()
    {
        var (_, raw) = await SelectedAsync(3);
        await using var _ = raw;
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Recent))", "* 2 FETCH (FLAGS (\\Flagged \\Recent))", "A003 OK STORE completed"],
            await raw.CommandAsync("STORE 1:2 +FLAGS (\\Flagged)"));
        Assert.Equal(["* 2 FETCH (FLAGS (\\Recent))", "A004 OK STORE completed"], await raw.CommandAsync("STORE 2 -FLAGS \\Flagged"));
        Assert.Equal(["* 3 FETCH (FLAGS ($Work \\Seen \\Recent) UID 3)", "A005 OK UID STORE completed"], await raw.CommandAsync("UID STORE 3 FLAGS ($Work \\Seen)"));
        Assert.Equal(["A006 OK STORE completed"], await raw.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Deleted \\Recent))", "* 2 FETCH (FLAGS (\\Recent))", "* 3 FETCH (FLAGS ($Work \\Seen \\Recent))", "A007 OK FETCH completed"],
            await raw.CommandAsync("FETCH 1:* FLAGS"));
        Assert.Equal(["A008 BAD Invalid message sequence number"], await raw.CommandAsync("STORE 9 +FLAGS \\Seen"));
        Assert.Equal(["A009 OK UID STORE completed"], await raw.CommandAsync("UID STORE 99 +FLAGS \\Seen")); // absent UIDs are skipped
        var select = await raw.CommandAsync("SELECT INBOX");
        Assert.Contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)", select);
    }

    [Fact]
    public async Task Expunge_reports_each_removal_and_uid_expunge_only_touches_its_set()
    {
        var (_, raw) = await SelectedAsync(5);
        await using var _ = raw;
        await raw.CommandAsync("STORE 1,3,5 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* 3 EXPUNGE", "A004 OK UID EXPUNGE completed"], await raw.CommandAsync("UID EXPUNGE 2:3"));
        Assert.Equal(["* 4 EXPUNGE", "* 1 EXPUNGE", "A005 OK EXPUNGE completed"], await raw.CommandAsync("EXPUNGE"));
        Assert.Equal(["* 1 FETCH (UID 2)", "* 2 FETCH (UID 4)", "A006 OK FETCH completed"], await raw.CommandAsync("FETCH 1:* UID"));
    }

    [Fact]
    public async Task Close_expunges_silently_unselect_does_not_and_examine_is_read_only()
    {
        var (mailbox, raw) = await SelectedAsync(3);
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

    [Fact]
    public async Task Copy_returns_copyuid_and_shares_the_blob_until_both_are_gone()
    {
        var (mailbox, raw) = await SelectedAsync(2);
        await using var _ = raw;
        var archive = (await host.Index.FindFolderAsync(mailbox.MailboxId, "Archive"))!;
        Assert.Equal([$"A003 OK [COPYUID {archive.UidValidity} 1:2 1:2] COPY completed"], await raw.CommandAsync("COPY 1:2 Archive"));
        Assert.Equal(["A004 NO [TRYCREATE] Target mailbox does not exist"], await raw.CommandAsync("COPY 1 Nowhere"));
        var copy = (await host.Index.GetMessageAsync(mailbox.MailboxId, archive.FolderId, 1))!;
        var original = (await host.Index.GetMessageAsync(mailbox.MailboxId, 1, 1))!;
        Assert.Equal(original.BlobName, copy.BlobName);
        Assert.True(copy.SharedBlob && original.SharedBlob);

        await raw.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await raw.CommandAsync("EXPUNGE");
        Assert.True(await host.Messages.ExistsAsync(copy.BlobName)); // the copy still holds it
        await host.Index.ExpungeAsync(mailbox.MailboxId, archive.FolderId, [1]);
        Assert.False(await host.Messages.ExistsAsync(copy.BlobName));
        Assert.Equal(2, (await host.Index.GetUsageAsync(mailbox.MailboxId))!.Messages);
    }

    [Fact]
    public async Task Copy_over_quota_is_refused_and_leaves_the_target_as_it_was()
    {
        var mailbox = await host.CreateMailboxAsync(quotaBytes: 300); // one message (~160 bytes) fits, two do not
        await host.DeliverAsync(mailbox, ImapTestHost.Message("a"));
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        Assert.Equal(["A003 NO [OVERQUOTA] Quota exceeded"], await raw.CommandAsync("COPY 1 Archive"));
        Assert.Equal(0, (await host.Index.FindFolderAsync(mailbox.MailboxId, "Archive"))!.Messages);
    }

    [Fact]
    public async Task Move_between_folders_with_copyuid_and_expunge_responses()
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= 4; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i));
        }
        using var client = await host.ConnectAsync(mailbox);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var expunged = new List<int>();
        inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);
        var trash = client.GetFolder(SpecialFolder.Trash)!;
        var map = await inbox.MoveToAsync([new UniqueId(2), new UniqueId(4)], trash);
        Assert.Equal([2u, 4u], map.Source.Select(u => u.Id));
        Assert.Equal([1u, 2u], map.Destination.Select(u => u.Id));
        Assert.Equal((await host.Index.FindFolderAsync(mailbox.MailboxId, "Trash"))!.UidValidity, map.Destination[0].Validity);
        Assert.Equal([3, 1], expunged); // sequence numbers as they were when each EXPUNGE was sent
        Assert.Equal(2, inbox.Count);
        await trash.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(["m2", "m4"], (await trash.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(s => s.Envelope!.Subject));
        var usage = (await host.Index.GetUsageAsync(mailbox.MailboxId))!;
        Assert.Equal(4, usage.Messages);
    }

    [Fact]
    public async Task Condstore_modseq_changedsince_and_unchangedsince()
    {
        var (_, raw) = await SelectedAsync(3);
        await using var _ = raw;
        var select = await raw.CommandAsync("SELECT INBOX (CONDSTORE)");
        var highest = long.Parse(select.Single(l => l.StartsWith("* OK [HIGHESTMODSEQ ", StringComparison.Ordinal)).Split(' ', ']')[3]);
        var store = await raw.CommandAsync("STORE 2 +FLAGS (\\Answered)");
        // The second SELECT of this session finds nothing new to claim as \\Recent.
        Assert.Equal($"* 2 FETCH (FLAGS (\\Answered) MODSEQ ({highest + 1}))", store[0]);
        Assert.Equal([$"* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ ({highest + 1}))", "A005 OK UID FETCH completed"],
            await raw.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest})"));
        Assert.Equal([$"* 1 FETCH (MODSEQ ({highest + 2}))", "A006 OK [MODIFIED 2] Conditional STORE failed for some messages"],
            await raw.CommandAsync($"STORE 1:2 (UNCHANGEDSINCE {highest}) +FLAGS.SILENT (\\Flagged)"));
        Assert.Equal([$"* SEARCH 1 2 (MODSEQ {highest + 2})", "A007 OK SEARCH completed"], await raw.CommandAsync($"SEARCH MODSEQ {highest + 1}"));
    }

    [Fact]
    public async Task Fetch_without_peek_sets_seen_and_says_so()
    {
        var (_, raw) = await SelectedAsync(1);
        await using var _ = raw;
        var reply = await raw.CommandAsync("FETCH 1 BODY[TEXT]");
        Assert.Equal("* 1 FETCH (BODY[TEXT] {8}\r\nHello.\r\n FLAGS (\\Seen \\Recent))", reply[0]);
        Assert.Equal(["* 1 FETCH (BODY[TEXT] {8}\r\nHello.\r\n)", "A004 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY[TEXT]"));
        Assert.Equal(["* 1 FETCH (BODY[TEXT]<2> {3}\r\nllo)", "A005 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY.PEEK[TEXT]<2.3>"));
        Assert.Equal(["* 1 FETCH (BODY[TEXT]<100> {0}\r\n)", "A006 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY.PEEK[TEXT]<100.3>"));
        Assert.Equal(["* 1 FETCH (BODY[2] NIL)", "A007 OK FETCH completed"], await raw.CommandAsync("FETCH 1 BODY.PEEK[2]"));
    }
}

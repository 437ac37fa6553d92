using MailKit;
using Serverless.Mail.Index;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapQuickResyncTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Select_with_qresync_reports_what_changed_since_the_remembered_modseq()
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= 6; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i));
        }
        var inbox = (await host.Index.GetFolderAsync(mailbox.MailboxId, SpecialUse.InboxId))!;
        var remembered = inbox.HighestModSeq;
        // Meanwhile, elsewhere: two expunged, one flagged, one new.
        await host.Index.ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [2, 5]);
        var flagged = await host.Index.StoreFlagsAsync(mailbox.MailboxId, SpecialUse.InboxId, [3], FlagMode.Add, ["\\Flagged"]);
        await host.DeliverAsync(mailbox, ImapTestHost.Message("m7"));

        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Equal(["A002 BAD QRESYNC must be enabled first"], await raw.CommandAsync($"SELECT INBOX (QRESYNC ({inbox.UidValidity} {remembered}))"));
        Assert.Equal(["* ENABLED QRESYNC", "A003 OK ENABLE completed"], await raw.CommandAsync("ENABLE QRESYNC"));
        var select = await raw.CommandAsync($"SELECT INBOX (QRESYNC ({inbox.UidValidity} {remembered} 1:6))");
        Assert.Contains("* VANISHED (EARLIER) 2,5", select);
        var fetches = select.Where(l => l.Contains(" FETCH ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, fetches.Count);
        Assert.Equal($"* 2 FETCH (UID 3 FLAGS (\\Flagged \\Recent) MODSEQ ({flagged[0].ModSeq}))", fetches[0]);
        Assert.StartsWith("* 5 FETCH (UID 7 FLAGS (\\Recent) MODSEQ (", fetches[1], StringComparison.Ordinal);
        Assert.Contains("* 5 EXISTS", select);

        // With QRESYNC enabled, removals come as VANISHED, also from other sessions.
        await raw.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        var expunge = await raw.CommandAsync("EXPUNGE");
        Assert.Equal("* VANISHED 1", expunge[0]);
        await host.Index.ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [4, 6]);
        Assert.Equal(["* VANISHED 4,6", "A007 OK NOOP completed"], await raw.CommandAsync("NOOP"));

        var sinceStart = await raw.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {remembered} VANISHED)");
        Assert.Equal("* VANISHED (EARLIER) 1:2,4:6", sinceStart[0]);
        Assert.Equal("A008 OK UID FETCH completed", sinceStart[^1]);
        Assert.Equal(["A009 BAD VANISHED needs UID FETCH"], await raw.CommandAsync($"FETCH 1:* (FLAGS) (CHANGEDSINCE {remembered} VANISHED)"));
    }

    [Fact]
    public async Task MailKit_resynchronises_a_folder_with_qresync()
    {
        var mailbox = await host.CreateMailboxAsync();
        for (var i = 1; i <= 4; i++)
        {
            await host.DeliverAsync(mailbox, ImapTestHost.Message("m" + i));
        }
        using var client = await host.ConnectAsync(mailbox);
        await client.EnableQuickResyncAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var validity = inbox.UidValidity;
        var modSeq = inbox.HighestModSeq;
        var known = (await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId)).Select(s => s.UniqueId).ToList();
        await inbox.CloseAsync();

        await host.Index.ExpungeAsync(mailbox.MailboxId, SpecialUse.InboxId, [1, 3]);
        var vanished = new List<uint>();
        inbox.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds.Select(u => u.Id));
        await inbox.OpenAsync(FolderAccess.ReadWrite, validity, modSeq, known);
        Assert.Equal([1u, 3u], vanished.Order());
        Assert.Equal(2, inbox.Count);
    }
}

using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Serverless.Mail.Index;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapCopyMoveTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    [Fact]
    public async Task Copy_returns_copyuid_and_shares_the_blob_until_both_are_gone()
    {
        var (mailbox, raw) = await host.SelectedAsync(2);
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
}

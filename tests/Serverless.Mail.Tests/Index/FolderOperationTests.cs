using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Index;

public sealed class FolderOperationTests
{
    private static async Task<(ServiceProvider Services, MailboxIndex Index, string Mailbox)> NewMailboxAsync()
    {
        var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        return (sp, index, mailbox);
    }

    private static async Task<string> StoreBlobAsync(MessageStore store)
    {
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using var w = store.CreateWriter(name);
        await w.WriteAsync("Subject: x\r\n\r\ny\r\n"u8.ToArray());
        await w.CommitAsync();
        return name;
    }

    [Fact]
    public async Task Rename_takes_children_along_creates_parents_and_refuses_conflicts()
    {
        var (sp, index, mailbox) = await NewMailboxAsync();
        await using var _ = sp;
        var a = (await index.CreateFolderAsync(mailbox, "a"))!;
        var ab = (await index.CreateFolderAsync(mailbox, "a/b"))!;
        await index.CreateFolderAsync(mailbox, "c");
        Assert.Equal(FolderRenameOutcome.AlreadyExists, await index.RenameFolderAsync(mailbox, "a", "c"));
        Assert.Equal(FolderRenameOutcome.Invalid, await index.RenameFolderAsync(mailbox, "a", "a/b/x"));
        Assert.Equal(FolderRenameOutcome.NotFound, await index.RenameFolderAsync(mailbox, "zzz", "y"));
        Assert.Equal(FolderRenameOutcome.Renamed, await index.RenameFolderAsync(mailbox, "a", "x/y/z"));
        var names = (await index.ListFoldersAsync(mailbox)).ToDictionary(f => f.Name);
        Assert.Equal(a.FolderId, names["x/y/z"].FolderId);
        Assert.Equal(ab.FolderId, names["x/y/z/b"].FolderId);
        Assert.Equal(a.UidValidity, names["x/y/z"].UidValidity); // same folder, same UIDs
        Assert.Contains("x", names.Keys);
        Assert.Contains("x/y", names.Keys);
        Assert.DoesNotContain("a", names.Keys);
        Assert.Null(await index.FindFolderAsync(mailbox, "a/b"));
        Assert.Equal(ab.FolderId, (await index.FindFolderAsync(mailbox, "x/y/z/b"))!.FolderId);
        Assert.NotNull(await index.CreateFolderAsync(mailbox, "a")); // the old name is free again, with a new UIDVALIDITY
        Assert.NotEqual(a.UidValidity, (await index.FindFolderAsync(mailbox, "a"))!.UidValidity);
    }

    [Fact]
    public async Task Delete_removes_messages_blobs_counters_and_the_folder()
    {
        var (sp, index, mailbox) = await NewMailboxAsync();
        await using var _ = sp;
        var store = sp.GetRequiredService<MessageStore>();
        var folder = (await index.CreateFolderAsync(mailbox, "Old"))!;
        var blob = await StoreBlobAsync(store);
        await index.AppendAsync(mailbox, folder.FolderId, new NewMessage { BlobName = blob, Size = 30, InternalDate = DateTimeOffset.UtcNow });
        await index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage { BlobName = "keep", Size = 5, InternalDate = DateTimeOffset.UtcNow });
        Assert.True(await index.DeleteFolderAsync(mailbox, folder.FolderId));
        Assert.False(await index.DeleteFolderAsync(mailbox, folder.FolderId));
        Assert.Null(await index.FindFolderAsync(mailbox, "Old"));
        Assert.False(await store.ExistsAsync(blob));
        Assert.Equal(new MailboxUsage(1, 5), await index.GetUsageAsync(mailbox));
        Assert.Empty(await index.GetChangesAsync(mailbox, folder.FolderId, 0));
    }

    [Fact]
    public async Task Copy_shares_blobs_through_holders_and_move_keeps_totals_in_one_partition()
    {
        var (sp, index, mailbox) = await NewMailboxAsync();
        await using var _ = sp;
        var store = sp.GetRequiredService<MessageStore>();
        var blobs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var blob = await StoreBlobAsync(store);
            blobs.Add(blob);
            await index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage { BlobName = blob, Size = 100, InternalDate = DateTimeOffset.UtcNow, Flags = i == 0 ? ["\\Seen"] : [] });
        }
        var archive = (await index.FindFolderAsync(mailbox, "Archive"))!;
        var copied = await index.CopyMessagesAsync(mailbox, SpecialUse.InboxId, [1, 2, 3, 99], archive.FolderId);
        Assert.Equal(CopyOutcome.Copied, copied.Outcome);
        Assert.Equal([1L, 2, 3], copied.SourceUids);
        Assert.Equal([1L, 2, 3], copied.TargetUids);
        Assert.Equal(archive.UidValidity, copied.UidValidity);
        var after = (await index.GetFolderAsync(mailbox, archive.FolderId))!;
        Assert.Equal((3L, 2L, 300L, 4L), (after.Messages, after.Unseen, after.Bytes, after.UidNext));
        Assert.Equal(new MailboxUsage(6, 600), await index.GetUsageAsync(mailbox));
        Assert.Equal(CopyOutcome.OverQuota, (await index.CopyMessagesAsync(mailbox, SpecialUse.InboxId, [1], archive.FolderId, quotaBytes: 650)).Outcome);
        Assert.Equal(CopyOutcome.NoSuchFolder, (await index.CopyMessagesAsync(mailbox, SpecialUse.InboxId, [1], 999)).Outcome);

        // Expunging the originals keeps the blobs (the copies hold them); expunging the copies frees them.
        await index.ExpungeAsync(mailbox, SpecialUse.InboxId, [1, 2, 3]);
        Assert.True(await store.ExistsAsync(blobs[0]));
        var trash = (await index.FindFolderAsync(mailbox, "Trash"))!;
        var moved = await index.MoveMessagesAsync(mailbox, archive.FolderId, [1, 2], trash.FolderId);
        Assert.Equal([1L, 2], moved.SourceUids);
        Assert.Equal([1L, 2], moved.TargetUids);
        Assert.Equal(new MailboxUsage(3, 300), await index.GetUsageAsync(mailbox));
        var changes = await index.GetChangesAsync(mailbox, archive.FolderId, after.HighestModSeq);
        Assert.Equal([1L, 2], changes.Where(c => c.Kind == FolderChangeKind.Expunge).Select(c => c.Uid));
        Assert.True((await index.GetMessageAsync(mailbox, trash.FolderId, 1))!.SharedBlob);
        await index.ExpungeAsync(mailbox, trash.FolderId, [1, 2]);
        await index.ExpungeAsync(mailbox, archive.FolderId, [3]);
        foreach (var blob in blobs)
        {
            Assert.False(await store.ExistsAsync(blob));
        }
    }

    [Fact]
    public async Task Recent_is_claimed_by_one_session_and_subscriptions_live_on_the_folder()
    {
        var (sp, index, mailbox) = await NewMailboxAsync();
        await using var _ = sp;
        for (var i = 0; i < 3; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage { BlobName = "x", Size = 1, InternalDate = DateTimeOffset.UtcNow });
        }
        var folder = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        Assert.Equal((1L, 4L), await index.ClaimRecentAsync(mailbox, folder));
        Assert.Equal((4L, 4L), await index.ClaimRecentAsync(mailbox, folder)); // stale row: re-read, nothing left
        await index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage { BlobName = "x", Size = 1, InternalDate = DateTimeOffset.UtcNow });
        Assert.Equal((4L, 5L), await index.ClaimRecentAsync(mailbox, (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!));

        var sent = (await index.FindFolderAsync(mailbox, "Sent"))!;
        Assert.True(sent.Subscribed);
        Assert.True(await index.SetSubscribedAsync(mailbox, sent.FolderId, false));
        Assert.False((await index.GetFolderAsync(mailbox, sent.FolderId))!.Subscribed);
        Assert.False(await index.SetSubscribedAsync(mailbox, 999, true));
    }

    [Fact]
    public async Task The_summary_keeps_the_raw_header_byte_for_byte()
    {
        var raw = "Subject: =?utf-8?q?x?=\r\nX-8bit: gr\u00fc\u00df\r\n  folded\r\n\r\nbody\r\n";
        var bytes = System.Text.Encoding.UTF8.GetBytes(raw);
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
        Assert.Equal(bytes[..(int)summary.HeaderLength], System.Text.Encoding.Latin1.GetBytes(summary.RawHeader!));
        var big = "X-Big: " + new string('a', MessageSummary.MaxRawHeader) + "\r\n\r\nb\r\n";
        Assert.Null((await MessageSummaryBuilder.BuildAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(big)))).Summary.RawHeader);
    }
}

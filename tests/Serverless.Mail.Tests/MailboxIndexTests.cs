using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests;

public sealed class MailboxIndexTests
{
    private static NewMessage Message(string blob, long size = 100, string? dedupe = null, params string[] flags) => new()
    {
        BlobName = blob,
        Size = size,
        InternalDate = DateTimeOffset.UtcNow,
        Flags = flags,
        DedupeKey = dedupe,
    };

    [Fact]
    public async Task Concurrent_appends_from_several_tasks_and_store_instances_get_unique_gap_free_uids()
    {
        var prefix = TestStorage.NewPrefix();
        await using var sp1 = await TestStorage.CreateServicesAsync(prefix);
        await using var sp2 = await TestStorage.CreateServicesAsync(prefix); // a second process, in effect: own caches and lanes
        var index1 = sp1.GetRequiredService<MailboxIndex>();
        var index2 = sp2.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index1.CreateMailboxAsync(mailbox);

        const int tasks = 8, perTask = 50;
        var results = await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            var index = t % 2 == 0 ? index1 : index2;
            var uids = new List<long>();
            for (var i = 0; i < perTask; i++)
            {
                var r = await index.AppendAsync(mailbox, SpecialUse.InboxId, Message($"b/{t}/{i}", 10));
                Assert.Equal(AppendOutcome.Appended, r.Outcome);
                uids.Add(r.Uid);
            }
            return uids;
        })));

        foreach (var perTaskUids in results)
        {
            Assert.True(perTaskUids.SequenceEqual(perTaskUids.Order()), "each writer sees its UIDs strictly increasing");
        }
        var all = results.SelectMany(x => x).Order().ToList();
        Assert.Equal(Enumerable.Range(1, tasks * perTask).Select(x => (long)x), all);

        var inbox = (await index1.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        Assert.Equal((tasks * perTask + 1L, tasks * perTask * 1L, tasks * perTask * 1L, tasks * perTask * 10L),
            (inbox.UidNext, inbox.Messages, inbox.Unseen, inbox.Bytes));
        var listed = await index2.ListMessagesAsync(mailbox, SpecialUse.InboxId).ToListAsync();
        Assert.Equal(all, listed.Select(m => m.Uid));
        Assert.Equal(tasks * perTask, (await index1.GetUsageAsync(mailbox))!.Messages);
    }

    [Fact]
    public async Task A_repeated_dedupe_key_files_the_message_once()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);

        var first = await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("x", dedupe: "handoff-1|0"));
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => index.AppendAsync(mailbox, SpecialUse.InboxId, Message("x", dedupe: "handoff-1|0"))));
        Assert.Equal(AppendOutcome.Appended, first.Outcome);
        Assert.All(again, r => Assert.Equal((AppendOutcome.Duplicate, first.Uid), (r.Outcome, r.Uid)));
        Assert.Equal(1, (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!.Messages);

        // A different store instance (no shared cache) sees the same.
        await using var sp2 = await TestStorage.CreateServicesAsync(sp.GetRequiredService<Storage.StorageOptions>().Prefix);
        var other = await sp2.GetRequiredService<MailboxIndex>().AppendAsync(mailbox, SpecialUse.InboxId, Message("x", dedupe: "handoff-1|0"));
        Assert.Equal((AppendOutcome.Duplicate, first.Uid), (other.Outcome, other.Uid));
    }

    [Fact]
    public async Task Quota_and_missing_folders_are_refused_without_writing()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        Assert.Equal(AppendOutcome.Appended, (await index.AppendAsync(mailbox, 1, Message("a", 600) with { QuotaBytes = 1000 })).Outcome);
        Assert.Equal(AppendOutcome.OverQuota, (await index.AppendAsync(mailbox, 1, Message("b", 600) with { QuotaBytes = 1000 })).Outcome);
        Assert.Equal(AppendOutcome.NoSuchFolder, (await index.AppendAsync(mailbox, 999, Message("c"))).Outcome);
        Assert.Equal(new MailboxUsage(1, 600), await index.GetUsageAsync(mailbox));
    }

    [Fact]
    public async Task Flags_and_expunges_update_counters_and_the_change_log()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var store = sp.GetRequiredService<MessageStore>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        var blobs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
            await using (var w = store.CreateWriter(name))
            {
                await w.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nbody\r\n"));
                await w.CommitAsync();
            }
            blobs.Add(name);
            await index.AppendAsync(mailbox, 1, Message(name, 20));
        }
        var before = (await index.GetFolderAsync(mailbox, 1))!;

        var stored = await index.StoreFlagsAsync(mailbox, 1, [1, 2], FlagMode.Add, ["\\Seen", "$Important"]);
        Assert.All(stored, r => Assert.Contains("\\Seen", r.Flags));
        var removed = await index.StoreFlagsAsync(mailbox, 1, [2], FlagMode.Remove, ["\\seen"]);
        Assert.DoesNotContain("\\Seen", Assert.Single(removed).Flags);
        var conditional = await index.StoreFlagsAsync(mailbox, 1, [1], FlagMode.Add, ["\\Flagged"], unchangedSince: before.HighestModSeq);
        Assert.False(Assert.Single(conditional).Modified);

        var afterFlags = (await index.GetFolderAsync(mailbox, 1))!;
        Assert.Equal(2, afterFlags.Unseen);

        var expunged = await index.ExpungeAsync(mailbox, 1, [1, 3, 42]);
        Assert.Equal([1L, 3L], expunged);
        var folder = (await index.GetFolderAsync(mailbox, 1))!;
        Assert.Equal((1L, 1L, 20L), (folder.Messages, folder.Unseen, folder.Bytes));
        Assert.False(await store.ExistsAsync(blobs[0]));
        Assert.True(await store.ExistsAsync(blobs[1]));

        var changes = await index.GetChangesAsync(mailbox, 1, before.HighestModSeq);
        Assert.Equal(folder.HighestModSeq, changes[^1].ModSeq);
        Assert.Equal([FolderChangeKind.Flags, FolderChangeKind.Flags, FolderChangeKind.Flags, FolderChangeKind.Expunge, FolderChangeKind.Expunge],
            changes.Select(c => c.Kind));
        Assert.Equal([1L, 3L], changes.Where(c => c.Kind == FolderChangeKind.Expunge).Select(c => c.Uid));
        Assert.True(changes.Select(c => c.ModSeq).SequenceEqual(changes.Select(c => c.ModSeq).Order()));
    }

    [Fact]
    public async Task A_shared_blob_survives_until_its_last_holder_is_expunged()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var store = sp.GetRequiredService<MessageStore>();
        var holders = sp.GetRequiredService<BlobHolders>();
        var (m1, m2) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        await index.CreateMailboxAsync(m1);
        await index.CreateMailboxAsync(m2);
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var w = store.CreateWriter(name))
        {
            await w.WriteAsync("Subject: shared\r\n\r\nx\r\n"u8.ToArray());
            await w.CommitAsync();
        }
        await holders.AddAsync(name, ["h1", "h2"]);
        await index.AppendAsync(m1, 1, Message(name) with { SharedBlob = true, HolderId = "h1" });
        await index.AppendAsync(m2, 1, Message(name) with { SharedBlob = true, HolderId = "h2" });

        await index.ExpungeAsync(m1, 1, [1]);
        Assert.True(await store.ExistsAsync(name));
        await index.ExpungeAsync(m2, 1, [1]);
        Assert.False(await store.ExistsAsync(name));
    }

    [Fact]
    public async Task Folders_are_created_once_by_name_with_fresh_uidvalidity()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        var work = await index.CreateFolderAsync(mailbox, "Work/Projects ☃");
        Assert.NotNull(work);
        Assert.Null(await index.CreateFolderAsync(mailbox, "Work/Projects ☃"));
        Assert.Null(await index.CreateFolderAsync(mailbox, "inbox"));
        var found = await index.FindFolderAsync(mailbox, "Work/Projects ☃");
        Assert.Equal(work!.FolderId, found!.FolderId);
        var all = await index.ListFoldersAsync(mailbox);
        Assert.Equal(all.Count, all.Select(f => f.UidValidity).Distinct().Count());
        Assert.Equal(1, (await index.FindFolderAsync(mailbox, "iNbOx"))!.FolderId);
    }
}

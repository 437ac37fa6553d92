using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Testing;
using static Serverless.Mail.Tests.Index.IndexTestMessages;
using Xunit;

namespace Serverless.Mail.Tests.Index;

/// <summary>STORE and EXPUNGE through <see cref="MailboxIndex"/> (<see cref="ChangeLog"/>).</summary>
public sealed class ChangeLogTests
{
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
}

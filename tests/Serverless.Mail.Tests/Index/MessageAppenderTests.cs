using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Testing;
using static Serverless.Mail.Tests.Index.IndexTestMessages;
using Xunit;

namespace Serverless.Mail.Tests.Index;

/// <summary>Appends through <see cref="MailboxIndex"/> (<see cref="MessageAppender"/>): UIDs, dedupe, quota.</summary>
public sealed class MessageAppenderTests
{
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
}

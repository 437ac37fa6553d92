using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Index;

/// <summary>The change log and dedupe rows are kept to their windows (<see cref="IndexPruning"/>), and read a page at a time.</summary>
public sealed class IndexPruningTests
{
    private static NewMessage Message(string blob, string? dedupe = null) => new()
    {
        BlobName = blob,
        Size = 10,
        InternalDate = DateTimeOffset.UtcNow,
        Flags = [],
        DedupeKey = dedupe,
    };

    [Fact]
    public async Task Pruning_removes_only_rows_outside_the_window_and_dedupe_holds_inside_it()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var table = sp.GetRequiredService<MailStorage>().MailIndex;
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        for (var i = 1; i <= 6; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("b" + i, dedupe: "old" + i));
        }
        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1, 2], FlagMode.Add, ["\\Seen"]);
        await index.ExpungeAsync(mailbox, SpecialUse.InboxId, [3]);
        var oldFolder = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        var oldRows = await RowsAsync(table, mailbox);
        var cutoff = oldRows.Max(r => r.Timestamp!.Value).AddMilliseconds(1);
        while (DateTimeOffset.UtcNow <= cutoff.AddMilliseconds(20))
        {
            await Task.Yield(); // the next rows must be stamped after the cutoff
        }
        var recent = await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("b7", dedupe: "new7"));
        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [4], FlagMode.Add, ["\\Flagged"]);
        await index.ExpungeAsync(mailbox, SpecialUse.InboxId, [5]);

        // First run: nothing of the log goes yet; the floor is published (old dedupe rows go at once).
        var first = await index.PruneAsync(mailbox, cutoff, cutoff);
        Assert.Equal(new IndexPruneResult(0, 6), first);
        Assert.Equal(oldFolder.HighestModSeq, (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!.LogFloor);
        Assert.Equal(5, (await index.GetChangesAsync(mailbox, SpecialUse.InboxId, 0)).Count);

        // Second run: the old entries (at or below the floor) go, the recent ones stay.
        var second = await index.PruneAsync(mailbox, cutoff, cutoff);
        Assert.Equal(new IndexPruneResult(3, 0), second);
        var left = await index.GetChangesAsync(mailbox, SpecialUse.InboxId, 0);
        Assert.Equal([(4L, FolderChangeKind.Flags), (5L, FolderChangeKind.Expunge)], left.Select(c => (c.Uid, c.Kind)));
        Assert.All(left, c => Assert.True(c.ModSeq > oldFolder.HighestModSeq));
        var rows = await RowsAsync(table, mailbox);
        Assert.Equal(["d|new7"], rows.Where(r => r.RowKey.StartsWith("d|", StringComparison.Ordinal)).Select(r => r.RowKey));
        var yearAgo = DateTimeOffset.UtcNow.AddYears(-1);
        Assert.Equal(new IndexPruneResult(0, 0), await index.PruneAsync(mailbox, yearAgo, yearAgo));

        // Inside the window the hand-off is still recognised; outside it, it would be filed again.
        var again = await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("b7-again", dedupe: "new7"));
        Assert.Equal((AppendOutcome.Duplicate, recent.Uid), (again.Outcome, again.Uid));
        Assert.Equal(AppendOutcome.Appended, (await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("b1-again", dedupe: "old1"))).Outcome);
    }

    [Fact]
    public async Task A_view_older_than_the_log_floor_is_listed_again_not_replayed()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        for (var i = 1; i <= 4; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("b" + i));
        }
        var folder = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        var stale = await index.ListFolderViewAsync(mailbox, folder);
        await index.ExpungeAsync(mailbox, SpecialUse.InboxId, [2]);
        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [3], FlagMode.Add, ["\\Seen"]);
        var future = DateTimeOffset.UtcNow.AddMinutes(5);
        await index.PruneAsync(mailbox, future, future);
        await index.PruneAsync(mailbox, future, future); // the log is now empty
        Assert.Empty(await index.GetChangesAsync(mailbox, SpecialUse.InboxId, 0));

        var now = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        Assert.True(stale.HighestModSeq < now.LogFloor);
        var view = await index.RefreshFolderViewAsync(mailbox, stale, now);
        Assert.Equal([1L, 3L, 4L], Enumerable.Range(0, view.Count).Select(view.Uid));
        Assert.True(view.HasFlag(1, "\\Seen"));
    }

    [Fact]
    public async Task The_change_log_is_read_a_page_at_a_time()
    {
        await using var sp = await TestStorage.CreateServicesAsync(extra: new Dictionary<string, string?> { ["Mail:Index:ChangeLogPageSize"] = "10" });
        var index = sp.GetRequiredService<MailboxIndex>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        var uids = new List<long>();
        for (var i = 1; i <= 45; i++)
        {
            uids.Add((await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("b" + i))).Uid);
        }
        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, uids, FlagMode.Add, ["\\Seen"]); // 45 log rows

        var before = Queries(meter);
        var read = 0;
        await foreach (var change in index.ReadChangesAsync(mailbox, SpecialUse.InboxId, 1))
        {
            read++;
            if (read == 5)
            {
                Assert.Equal(1, Queries(meter) - before); // the first page only, so far
            }
        }
        Assert.Equal(45, read);
        Assert.Equal(5, Queries(meter) - before); // ⌈45 / 10⌉ pages
    }

    private static long Queries(StorageRequestMeter meter) =>
        meter.DetailedSnapshot().Where(kv => kv.Key.Service == "table" && kv.Key.Resource != "$batch").Sum(kv => kv.Value.Requests);

    private static async Task<List<TableEntity>> RowsAsync(TableClient table, string mailbox)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(x => x.PartitionKey == mailbox))
        {
            rows.Add(row);
        }
        return rows;
    }
}

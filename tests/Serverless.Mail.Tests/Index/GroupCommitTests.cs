using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Serverless.Testing;
using static Serverless.Mail.Tests.Index.IndexTestMessages;
using Xunit;

namespace Serverless.Mail.Tests.Index;

/// <summary>
/// Group commit of STORE and EXPUNGE (<see cref="GroupCommit"/>, <see cref="ChangeWriter"/>):
/// concurrent changes to one mailbox share transactions, each caller gets exactly its own outcome
/// with MODSEQs the change log agrees with, and one failing write fails no other.
/// </summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task Concurrent_stores_share_transactions_and_each_caller_gets_its_own_modseqs()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        for (var i = 1; i <= 20; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, Message($"b/{i}"));
        }
        var before = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        var batches = Batches(meter);
        var reads = Requests(meter) - batches;

        // 20 sessions at once: 16 on a message each, and 4 more on message 1 (each its own keyword).
        var calls = Enumerable.Range(1, 16).Select(uid => (Uid: (long)uid, Flag: "\\Seen"))
            .Concat(Enumerable.Range(1, 4).Select(k => (Uid: 1L, Flag: $"$k{k}"))).ToList();
        var results = await Task.WhenAll(calls.Select(c => index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [c.Uid], FlagMode.Add, [c.Flag])));

        var transactions = Batches(meter) - batches;
        Assert.True(transactions < calls.Count / 2, $"{calls.Count} stores took {transactions} transactions");
        Assert.Equal(reads, Requests(meter) - Batches(meter)); // the rows the appends wrote were known here: nothing was read
        var modSeqs = results.Select(r => Assert.Single(r)).Select(r => r.ModSeq).ToList();
        Assert.Equal(Enumerable.Range(1, calls.Count).Select(i => before.HighestModSeq + i), modSeqs.Order());
        for (var i = 0; i < calls.Count; i++)
        {
            var r = Assert.Single(results[i]);
            Assert.True(r.Modified);
            Assert.Equal(calls[i].Uid, r.Uid);
            Assert.Contains(calls[i].Flag, r.Flags);
        }

        var after = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        Assert.Equal((before.HighestModSeq + calls.Count, before.Unseen - 16), (after.HighestModSeq, after.Unseen));
        var log = await index.GetChangesAsync(mailbox, SpecialUse.InboxId, before.HighestModSeq);
        Assert.Equal(modSeqs.Order(), log.Select(c => c.ModSeq));
        foreach (var (r, change) in results.Select(r => r[0]).OrderBy(r => r.ModSeq).Zip(log))
        {
            Assert.Equal((r.Uid, string.Join(' ', r.Flags.Order(StringComparer.Ordinal))), (change.Uid, string.Join(' ', change.Flags!.Order(StringComparer.Ordinal))));
        }
        var first = (await index.GetMessageAsync(mailbox, SpecialUse.InboxId, 1))!;
        Assert.Equal("$k1 $k2 $k3 $k4 \\Seen", string.Join(' ', first.Flags.Order(StringComparer.Ordinal)));
        Assert.Equal(modSeqs.Where((_, i) => calls[i].Uid == 1).Max(), first.ModSeq);
    }

    [Fact]
    public async Task Concurrent_expunges_and_stores_share_transactions_and_count_right()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        for (var i = 1; i <= 12; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, Message($"b/{i}", 10));
        }
        var batches = Batches(meter);

        var expunges = Enumerable.Range(1, 6).Select(uid => index.ExpungeAsync(mailbox, SpecialUse.InboxId, [uid, 100 + uid])).ToList();
        var stores = Enumerable.Range(7, 6).Select(uid => index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [uid], FlagMode.Add, ["\\Seen"])).ToList();
        var again = index.ExpungeAsync(mailbox, SpecialUse.InboxId, [1]); // a second session expunging the same message
        await Task.WhenAll(expunges.Cast<Task>().Concat(stores).Append(again));

        Assert.True(Batches(meter) - batches <= 4, $"13 changes took {Batches(meter) - batches} transactions");
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal([i + 1L], await expunges[i]);
        }
        Assert.Empty(await again);
        var folder = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        Assert.Equal((6L, 0L, 60L), (folder.Messages, folder.Unseen, folder.Bytes));
        Assert.Equal((6L, 60L), ((await index.GetUsageAsync(mailbox))!.Messages, (await index.GetUsageAsync(mailbox))!.Bytes));
        Assert.Equal(Enumerable.Range(7, 6).Select(x => (long)x), (await index.ListMessagesAsync(mailbox, SpecialUse.InboxId).ToListAsync()).Select(m => m.Uid));
    }

    [Fact]
    public async Task An_expunge_of_deleted_messages_costs_one_transaction_and_spares_a_message_undeleted_by_another_process()
    {
        await using var processes = await TwoProcesses.StartAsync();
        var (index1, index2, meter, mailbox) = processes;
        for (var i = 1; i <= 3; i++)
        {
            await index1.AppendAsync(mailbox, SpecialUse.InboxId, Message($"b/{i}", 10, null, "\\Deleted"));
        }
        await index1.AppendAsync(mailbox, SpecialUse.InboxId, Message("b/4", 10));

        // Rows index1 wrote itself: one transaction, no table read.
        var (requests, batches) = (Requests(meter), Batches(meter));
        Assert.Equal([1L], await index1.ExpungeDeletedAsync(mailbox, SpecialUse.InboxId, [1]));
        Assert.Equal((1L, 1L), (Batches(meter) - batches, Requests(meter) - requests));

        // index2 takes \Deleted off message 3; index1 still remembers it with the flag. Asked to
        // expunge 2, 3 and 4 (4 never was \Deleted), it removes 2 only.
        await index2.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [3], FlagMode.Remove, ["\\Deleted"]);
        Assert.Equal([2L], await index1.ExpungeDeletedAsync(mailbox, SpecialUse.InboxId, [2, 3, 4]));
        var left = await index2.ListMessagesAsync(mailbox, SpecialUse.InboxId, includeSummary: false).Select(m => (m.Uid, string.Join(' ', m.Flags))).ToListAsync();
        Assert.Equal([(3L, ""), (4L, "")], left);
        Assert.Equal(2, (await index2.GetFolderAsync(mailbox, SpecialUse.InboxId))!.Messages);
    }

    [Fact]
    public async Task An_append_naming_its_folder_is_refused_when_another_process_renamed_it_and_costs_no_read_otherwise()
    {
        await using var processes = await TwoProcesses.StartAsync();
        var (index1, index2, meter, mailbox) = processes;
        var work = (await index1.CreateFolderAsync(mailbox, "Work"))!;
        Assert.Equal(AppendOutcome.Appended, (await index1.AppendAsync(mailbox, work.FolderId, Message("b/1") with { FolderName = "Work" })).Outcome);
        var requests = Requests(meter);
        Assert.Equal(AppendOutcome.Appended, (await index1.AppendAsync(mailbox, work.FolderId, Message("b/2") with { FolderName = "Work" })).Outcome);
        Assert.Equal(1, Requests(meter) - requests); // the counter rows are remembered: the transaction alone

        Assert.Equal(FolderRenameOutcome.Renamed, await index2.RenameFolderAsync(mailbox, "Work", "Play"));
        Assert.Equal(AppendOutcome.NoSuchFolder, (await index1.AppendAsync(mailbox, work.FolderId, Message("b/3") with { FolderName = "Work" })).Outcome);
        Assert.Equal(3, (await index2.FindFolderAsync(mailbox, "Play"))!.UidNext);
        Assert.Equal(AppendOutcome.Appended, (await index1.AppendAsync(mailbox, work.FolderId, Message("b/4") with { FolderName = "Play" })).Outcome);
    }

    [Fact]
    public async Task A_message_changed_by_another_process_is_read_again_not_overwritten()
    {
        await using var processes = await TwoProcesses.StartAsync();
        var (index1, index2, _, mailbox) = processes;
        await index1.AppendAsync(mailbox, SpecialUse.InboxId, Message("b/1"));

        await index2.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1], FlagMode.Add, ["\\Flagged"]); // index1 still remembers the row without it
        var r = Assert.Single(await index1.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1], FlagMode.Add, ["\\Seen"]));
        Assert.Equal("\\Flagged \\Seen", string.Join(' ', r.Flags.Order(StringComparer.Ordinal)));

        // A no-op by index1's memory (\Seen is set there) is checked against storage before it is answered.
        await index2.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1], FlagMode.Remove, ["\\Seen"]);
        var noop = Assert.Single(await index1.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1], FlagMode.Add, ["\\Seen"]));
        Assert.Contains("\\Seen", noop.Flags);
        var row = (await index2.GetMessageAsync(mailbox, SpecialUse.InboxId, 1))!;
        Assert.Equal(("\\Flagged \\Seen", noop.ModSeq), (string.Join(' ', row.Flags.Order(StringComparer.Ordinal)), row.ModSeq));
    }

    [Fact]
    public async Task A_store_that_fails_in_a_group_fails_alone()
    {
        var target = await TestStorage.ConnectionStringAsync();
        await using var proxy = StorageOutageProxy.Start(target, name => name == "TableEndpoint" ? new RefuseMarked("$Doomed") : StorageRelay.PassAll);
        var prefix = TestStorage.NewPrefix();
        await using var sp = await TestStorage.CreateServicesAsync(prefix, connectionString: proxy.ConnectionString);
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        for (var i = 1; i <= 5; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, Message($"b/{i}"));
        }
        var before = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;

        // The first takes the lane at once; the other four wait and go together, one of them doomed.
        var first = index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1], FlagMode.Add, ["$Fine1"]);
        var rest = Enumerable.Range(2, 4).Select(uid => index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [uid], FlagMode.Add, [uid == 4 ? "$Doomed" : $"$Fine{uid}"])).ToList();
        await first;
        for (var i = 0; i < rest.Count; i++)
        {
            if (i == 2)
            {
                await Assert.ThrowsAnyAsync<Exception>(() => rest[i]);
            }
            else
            {
                Assert.Contains($"$Fine{i + 2}", Assert.Single(await rest[i]).Flags);
            }
        }
        Assert.Equal(before.HighestModSeq + 4, (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!.HighestModSeq);
        Assert.Empty((await index.GetMessageAsync(mailbox, SpecialUse.InboxId, 4))!.Flags);
    }

    private static long Batches(StorageRequestMeter meter) =>
        meter.DetailedSnapshot().Where(kv => kv.Key.Service == "table" && kv.Key.Resource == "$batch").Sum(kv => kv.Value.Requests);

    private static long Requests(StorageRequestMeter meter) =>
        meter.DetailedSnapshot().Where(kv => kv.Key.Service == "table").Sum(kv => kv.Value.Requests);

    /// <summary>Drops the connection of any request whose bytes carry the marker, before it reaches storage.</summary>
    private sealed class RefuseMarked(string marker) : StorageRelay
    {
        private readonly byte[] _marker = Encoding.UTF8.GetBytes(marker);

        public override Task RequestAsync(ReadOnlyMemory<byte> chunk, CancellationToken stopping) =>
            chunk.Span.IndexOf(_marker) >= 0 ? throw new OperationCanceledException("refused by the test") : Task.CompletedTask;
    }

    /// <summary>Two index instances on one storage prefix, as two processes, and a new mailbox in it.</summary>
    private sealed class TwoProcesses(ServiceProvider first, ServiceProvider second, string mailbox) : IAsyncDisposable
    {
        public static async Task<TwoProcesses> StartAsync()
        {
            var prefix = TestStorage.NewPrefix();
            var first = await TestStorage.CreateServicesAsync(prefix);
            var second = await TestStorage.CreateServicesAsync(prefix);
            var processes = new TwoProcesses(first, second, Guid.NewGuid().ToString("N"));
            await first.GetRequiredService<MailboxIndex>().CreateMailboxAsync(processes.Mailbox);
            return processes;
        }

        public string Mailbox { get; } = mailbox;

        /// <summary>The first process's index, the second's, the first's request meter, the mailbox.</summary>
        public void Deconstruct(out MailboxIndex index1, out MailboxIndex index2, out StorageRequestMeter meter1, out string mailboxId)
        {
            index1 = first.GetRequiredService<MailboxIndex>();
            index2 = second.GetRequiredService<MailboxIndex>();
            meter1 = first.GetRequiredService<StorageRequestMeter>();
            mailboxId = Mailbox;
        }

        public async ValueTask DisposeAsync()
        {
            await second.DisposeAsync();
            await first.DisposeAsync();
        }
    }
}

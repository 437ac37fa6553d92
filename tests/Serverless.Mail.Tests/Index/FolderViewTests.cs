using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Index;

public sealed class FolderViewTests
{
    private const int TrashId = 4; // SpecialUse.Defaults

    private static NewMessage Message(params string[] flags) => new()
    {
        BlobName = "b/" + Guid.NewGuid().ToString("N"),
        Size = 10,
        InternalDate = DateTimeOffset.UtcNow,
        Flags = flags,
    };

    [Fact]
    public async Task A_view_is_listed_once_saved_and_brought_up_to_date_from_the_change_log_only()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var meter = sp.GetRequiredService<StorageRequestMeter>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        for (var i = 0; i < 5; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, Message(i == 0 ? ["\\Seen"] : []));
        }
        var folder = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        var view = await index.LoadFolderViewAsync(mailbox, folder); // lists, then saves the snapshot
        Assert.Equal([1L, 2, 3, 4, 5], Enumerable.Range(0, view.Count).Select(view.Uid));
        Assert.True(view.HasFlag(0, "\\seen"));
        Assert.Equal(folder.HighestModSeq, view.HighestModSeq);

        // Unchanged: one query for the snapshot, nothing else.
        var before = meter.TotalRequests;
        var again = await index.LoadFolderViewAsync(mailbox, folder);
        Assert.Equal(1, meter.TotalRequests - before);
        Assert.Equal(view.Count, again.Count);

        // Changes: flags, an expunge and a new message reach the view through the change log and the new UIDs.
        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [2], FlagMode.Add, ["$Label"]);
        await index.ExpungeAsync(mailbox, SpecialUse.InboxId, [3]);
        await index.AppendAsync(mailbox, SpecialUse.InboxId, Message("\\Flagged"));
        var changed = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        before = meter.TotalRequests;
        var refreshed = await index.RefreshFolderViewAsync(mailbox, view, changed);
        Assert.Equal(2, meter.TotalRequests - before); // change log + UIDs above the old UIDNEXT
        Assert.Equal([1L, 2, 4, 5, 6], Enumerable.Range(0, refreshed.Count).Select(refreshed.Uid));
        Assert.True(refreshed.HasFlag(1, "$Label"));
        Assert.True(refreshed.HasFlag(4, "\\Flagged"));
        Assert.Equal(changed.HighestModSeq, refreshed.HighestModSeq);
        Assert.False(view.HasFlag(1, "$Label")); // views are immutable: the old one is as it was
        Assert.Equal(5, view.Count);

        // Replaying the same changes changes nothing.
        var replayed = refreshed.Apply(await index.GetChangesAsync(mailbox, SpecialUse.InboxId, folder.HighestModSeq), [], changed.UidNext, changed.HighestModSeq);
        Assert.Equal(Enumerable.Range(0, refreshed.Count).Select(refreshed.Uid), Enumerable.Range(0, replayed.Count).Select(replayed.Uid));

        // A fresh process reads the stale snapshot and catches up the same way.
        await using var sp2 = await TestStorage.CreateServicesAsync(sp.GetRequiredService<StorageOptions>().Prefix);
        var cold = await sp2.GetRequiredService<MailboxIndex>().LoadFolderViewAsync(mailbox, changed);
        Assert.Equal([1L, 2, 4, 5, 6], Enumerable.Range(0, cold.Count).Select(cold.Uid));
        Assert.True(cold.HasFlag(1, "$Label"));
    }

    [Fact]
    public void Snapshot_bytes_round_trip_and_garbage_is_refused()
    {
        var folder = new FolderInfo { FolderId = 1, Name = "INBOX", UidValidity = 123, UidNext = 70_001, HighestModSeq = 99_999 };
        var random = new Random(7);
        var messages = Enumerable.Range(1, 70_000).Where(_ => random.Next(4) != 0)
            .Select(u => ((long)u, (long)random.Next(1, 99_999), (IReadOnlyList<string>)(random.Next(3) switch { 0 => [], 1 => ["\\Seen"], _ => ["\\Seen", "Ärger"] }))).ToList();
        var view = FolderView.FromMessages(folder, messages);
        var bytes = FolderViewSnapshot.Write(view);
        Assert.True(bytes.Length < messages.Count * 7, $"{bytes.Length} bytes for {messages.Count} messages");
        var back = FolderViewSnapshot.Read(bytes)!;
        Assert.Equal((view.UidValidity, view.UidNext, view.HighestModSeq, view.Count), (back.UidValidity, back.UidNext, back.HighestModSeq, back.Count));
        for (var i = 0; i < view.Count; i += 997)
        {
            Assert.Equal((view.Uid(i), view.ModSeq(i)), (back.Uid(i), back.ModSeq(i)));
            Assert.Equal(view.Flags(i).Order(), back.Flags(i).Order());
        }
        Assert.Null(FolderViewSnapshot.Read(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.Null(FolderViewSnapshot.Read(Encoding.ASCII.GetBytes("not a snapshot at all")));
    }

    [Fact]
    public void Appends_share_arrays_without_disturbing_older_views()
    {
        var folder = new FolderInfo { FolderId = 1, Name = "INBOX", UidValidity = 1, UidNext = 3, HighestModSeq = 3 };
        var v1 = FolderView.FromMessages(folder, [(1, 2, []), (2, 3, [])]);
        var v2 = v1.Apply([], [(3, 4, ["\\Seen"])], 4, 4);
        var v3 = v1.Apply([], [(3, 5, ["\\Draft"])], 4, 5); // a second successor of v1 must not overwrite v2's message
        Assert.Equal(2, v1.Count);
        Assert.True(v2.HasFlag(2, "\\Seen"));
        Assert.True(v3.HasFlag(2, "\\Draft"));
        Assert.False(v2.HasFlag(2, "\\Draft"));
    }
    [Fact]
    public async Task Following_the_deltas_of_this_instances_writes_gives_the_view_storage_gives()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var index = sp.GetRequiredService<MailboxIndex>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        for (var i = 0; i < 4; i++)
        {
            await index.AppendAsync(mailbox, SpecialUse.InboxId, Message());
        }
        var deltas = new List<(int FolderId, FolderDelta? Delta)>();
        var changed = new List<int>();
        index.FolderWritten += (m, f, d) =>
        {
            if (m == mailbox)
            {
                deltas.Add((f, d));
            }
        };
        index.FolderChanged += (m, f) =>
        {
            if (m == mailbox)
            {
                changed.Add(f);
            }
        };
        var view = await index.ListFolderViewAsync(mailbox, (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!);
        var trash = await index.ListFolderViewAsync(mailbox, (await index.GetFolderAsync(mailbox, TrashId))!);

        async Task FollowAndCompare()
        {
            foreach (var (folderId, delta) in deltas)
            {
                Assert.NotNull(delta);
                if (folderId == SpecialUse.InboxId)
                {
                    view = view.Follow(delta!) ?? throw new InvalidOperationException("INBOX delta does not follow on");
                }
                else if (folderId == TrashId)
                {
                    trash = trash.Follow(delta!) ?? throw new InvalidOperationException("Trash delta does not follow on");
                }
            }
            Assert.Equal(deltas.Select(d => d.FolderId), changed); // the old signal still comes with each
            deltas.Clear();
            changed.Clear();
            AssertSame(await index.ListFolderViewAsync(mailbox, (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!), view);
            AssertSame(await index.ListFolderViewAsync(mailbox, (await index.GetFolderAsync(mailbox, TrashId))!), trash);
        }

        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1, 2], FlagMode.Add, ["\\Seen", "$Label"]);
        await FollowAndCompare();
        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [2], FlagMode.Remove, ["$Label"]);
        await index.ExpungeAsync(mailbox, SpecialUse.InboxId, [3]);
        await Task.WhenAll(
            index.AppendAsync(mailbox, SpecialUse.InboxId, Message("\\Flagged", "\\flagged")),
            index.AppendAsync(mailbox, SpecialUse.InboxId, Message()));
        await FollowAndCompare();
        await index.CopyMessagesAsync(mailbox, SpecialUse.InboxId, [1, 2], TrashId);
        await index.MoveMessagesAsync(mailbox, SpecialUse.InboxId, [4], TrashId);
        await FollowAndCompare();

        // Another instance writes: this instance's next write starts where that one left off, so
        // its delta does not follow on from the view and only storage can tell what happened.
        await using var other = await TestStorage.CreateServicesAsync(sp.GetRequiredService<StorageOptions>().Prefix);
        await other.GetRequiredService<MailboxIndex>().StoreFlagsAsync(mailbox, SpecialUse.InboxId, [1], FlagMode.Add, ["\\Answered"]);
        await index.StoreFlagsAsync(mailbox, SpecialUse.InboxId, [2], FlagMode.Add, ["\\Draft"]);
        var (_, gap) = Assert.Single(deltas);
        Assert.Null(view.Follow(gap!));
        var current = (await index.GetFolderAsync(mailbox, SpecialUse.InboxId))!;
        var refreshed = await index.RefreshFolderViewAsync(mailbox, view, current);
        Assert.Same(refreshed, refreshed.Follow(gap!)); // a view read after the write already has it
        Assert.True(refreshed.HasFlag(0, "\\Answered"));
        Assert.True(refreshed.HasFlag(1, "\\Draft"));
    }

    [Fact]
    public void A_delta_follows_on_only_from_the_counters_it_starts_at()
    {
        var folder = new FolderInfo { FolderId = 1, Name = "INBOX", UidValidity = 7, UidNext = 3, HighestModSeq = 5 };
        var view = FolderView.FromMessages(folder, [(1, 2, []), (2, 5, [])]);
        var flags = new FolderDelta(7, 5, 3, 6, 3, [new FolderChange(6, 1, FolderChangeKind.Flags, ["\\Seen"])], []);
        var next = view.Follow(flags)!;
        Assert.True(next.HasFlag(0, "\\Seen"));
        Assert.Equal((6L, 6L), (next.HighestModSeq, next.ModSeq(0)));
        Assert.Same(next, next.Follow(flags)); // already has it
        Assert.Null(view.Follow(flags with { FromHighestModSeq = 4 })); // something before it is missing
        Assert.Null(view.Follow(flags with { UidValidity = 8 }));
        var append = new FolderDelta(7, 6, 3, 7, 4, [], [(3, 7, ["\\Draft"])]);
        Assert.Null(view.Follow(append)); // the flag change in between was not applied
        var appended = next.Follow(append)!;
        Assert.Equal([1L, 2, 3], Enumerable.Range(0, appended.Count).Select(appended.Uid));
        Assert.Equal(4, appended.UidNext);
    }

    private static void AssertSame(FolderView expected, FolderView actual)
    {
        Assert.Equal((expected.UidValidity, expected.UidNext, expected.HighestModSeq, expected.Count), (actual.UidValidity, actual.UidNext, actual.HighestModSeq, actual.Count));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected.Uid(i), expected.ModSeq(i)), (actual.Uid(i), actual.ModSeq(i)));
            Assert.Equal(expected.Flags(i).Order(StringComparer.OrdinalIgnoreCase), actual.Flags(i).Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        }
    }
}

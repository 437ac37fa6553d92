using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// Writes waiting STOREs and EXPUNGEs of one mailbox (<see cref="GroupCommit"/>): all that fit go
/// into one entity-group transaction (<see cref="ChangePlan"/>). Message rows come from the lane's
/// memory when it has them, otherwise from one range query per request; each is written guarded by
/// its ETag and the counter rows by theirs, so another process's write is a conflict, retried
/// (<see cref="ETagRetry"/>), never overwritten.
/// </summary>
internal sealed class ChangeWriter(IndexTable index) : IGroupWriter
{
    public async Task WriteAsync(MailboxLanes.Lane lane, string mailboxId, List<PendingWrite> group, CancellationToken cancellationToken)
    {
        var items = group.Cast<PendingChange>().ToList();
        var rows = lane.Rows(mailboxId);
        ChangePlan? plan = null;
        try
        {
            await ETagRetry.RunAsync(async attempt =>
            {
                if (!await CounterRowsAsync(mailboxId, rows, items, cancellationToken).ConfigureAwait(false) || items.Count == 0)
                {
                    return;
                }
                var fresh = new HashSet<(int, long)>();
                var known = new Dictionary<(int, long), (IndexedMessage Message, ETag ETag)>();
                foreach (var item in items)
                {
                    var missing = item.Uids.Where(u => !Recall(rows, known, item.FolderId, u) && !rows.IsGone(item.FolderId, u)).ToArray();
                    await ReadAsync(mailboxId, rows, item.FolderId, missing, known, fresh, cancellationToken).ConfigureAwait(false);
                }
                plan = ChangePlan.Make(mailboxId, rows, items, known, fresh);
                if (plan.Unverified.Count > 0)
                {
                    foreach (var folder in plan.Unverified.GroupBy(k => k.FolderId))
                    {
                        foreach (var (_, uid) in folder)
                        {
                            known.Remove((folder.Key, uid));
                        }
                        await ReadAsync(mailboxId, rows, folder.Key, folder.Select(k => k.Uid).ToArray(), known, fresh, cancellationToken).ConfigureAwait(false);
                    }
                    plan = ChangePlan.Make(mailboxId, rows, items, known, fresh);
                }
                if (plan.Deferred.Count > 0)
                {
                    items.RemoveAll(plan.Deferred.Contains);
                    GroupCommit.Requeue(lane, plan.Deferred);
                }
                if (plan.Actions.Count == 0)
                {
                    plan.Complete();
                    return;
                }
                var response = await index.Table.SubmitTransactionAsync(plan.Actions, cancellationToken).ConfigureAwait(false);
                var i = 0;
                if (plan.Box is not null)
                {
                    rows.Box = IndexTable.WithETag(plan.Box, response.Value[i++]);
                }
                foreach (var (folderId, (_, after, _)) in plan.Folders)
                {
                    rows.Folders[folderId] = IndexTable.WithETag(after, response.Value[i++]);
                }
                foreach (var (action, (folderId, uid, after)) in plan.MessageActions)
                {
                    if (after is null)
                    {
                        rows.Gone(folderId, uid);
                    }
                    else
                    {
                        rows.Remember(folderId, after, response.Value[action].Headers.ETag ?? default);
                    }
                }
                // Per transaction and in order (still inside the lane), so each delta follows the
                // last; before the callers go on, so their sessions find the shared view current.
                foreach (var (folderId, (before, after, changes)) in plan.Folders)
                {
                    index.Signals.Raise(mailboxId, folderId, FolderSignals.DeltaOf(before, after, changes, []));
                }
                plan.Complete();
            },
            ETagRetry.TransactionConflict,
            (e, attempt) =>
            {
                var failed = (e as TableTransactionFailedException)?.FailedTransactionActionIndex;
                if (failed is int at && plan?.MessageActions.TryGetValue(at, out var message) == true)
                {
                    rows.Drop(message.FolderId, message.Uid); // that row changed or went: read it again
                }
                else
                {
                    rows.Forget(); // a counter row (or a change row's MODSEQ) was taken by another writer
                }
                index.LogConflict(mailboxId, e.Status, attempt);
                return Task.FromResult(AfterConflict.Pause);
            },
            cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Guarded by ETags, a change can be tried again safely: the rest go alone, so only the
            // request that fails on its own fails.
            rows.Forget();
            GroupCommit.Retreat(lane, items, e);
        }
    }

    /// <summary>
    /// The counter rows the items need, from the lane or read. Requests on a folder (or mailbox)
    /// that no longer exists are answered with nothing done. Returns false if none is left.
    /// </summary>
    private async Task<bool> CounterRowsAsync(string mailboxId, MailboxLanes.CachedRows rows, List<PendingChange> items, CancellationToken cancellationToken)
    {
        if (items.Any(p => p.Kind == FolderChangeKind.Expunge))
        {
            rows.Box ??= await index.GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
            if (rows.Box is null)
            {
                Answer(items, items.Where(p => p.Kind == FolderChangeKind.Expunge));
            }
        }
        foreach (var folderId in items.Select(p => p.FolderId).Distinct().ToList())
        {
            if (await index.CachedFolderRowAsync(mailboxId, rows, folderId, cancellationToken).ConfigureAwait(false) is null)
            {
                Answer(items, items.Where(p => p.FolderId == folderId));
            }
        }
        return items.Count > 0;
    }

    private static void Answer(List<PendingChange> items, IEnumerable<PendingChange> gone)
    {
        foreach (var p in gone.ToList())
        {
            p.Completion.TrySetResult(ChangeOutcome.None);
            items.Remove(p);
        }
    }

    private static bool Recall(MailboxLanes.CachedRows rows, Dictionary<(int, long), (IndexedMessage, ETag)> known, int folderId, long uid)
    {
        if (known.ContainsKey((folderId, uid)))
        {
            return true;
        }
        if (rows.Messages.TryGetValue((folderId, uid), out var row))
        {
            known[(folderId, uid)] = row;
            return true;
        }
        return false;
    }

    private static readonly string[] ChangeColumns = ["RowKey", "Blob", "Shared", "Holder", "Size", "InternalDate", "Flags", "ModSeq", IndexEntities.InlineColumn];

    /// <summary>Reads the given messages with their ETags (a point read for one, else one range query) into <paramref name="known"/> and the lane.</summary>
    private async Task ReadAsync(string mailboxId, MailboxLanes.CachedRows rows, int folderId, long[] uids,
        Dictionary<(int, long), (IndexedMessage, ETag)> known, HashSet<(int, long)> fresh, CancellationToken cancellationToken)
    {
        if (uids.Length == 0)
        {
            return;
        }
        await foreach (var e in index.ReadMessageRowsAsync(mailboxId, folderId, uids, ChangeColumns, cancellationToken).ConfigureAwait(false))
        {
            var m = IndexEntities.ToMessage(e);
            known[(folderId, m.Uid)] = (m, e.ETag);
            fresh.Add((folderId, m.Uid));
            rows.Remember(folderId, m, e.ETag);
        }
        foreach (var uid in uids.Where(u => !fresh.Contains((folderId, u))))
        {
            rows.Gone(folderId, uid);
        }
    }
}

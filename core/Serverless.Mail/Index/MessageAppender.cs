using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// APPEND and delivery: allocates UIDs from the folder rows. Concurrent appends to one mailbox in
/// this process are coalesced (<see cref="GroupCommit"/>): whoever holds the mailbox's lane takes
/// every waiting append that fits into one entity-group transaction with the mailbox and folder
/// counters, so UIDs stay gap-free however many processes write.
/// </summary>
internal sealed class MessageAppender(IndexTable index) : IGroupWriter
{
    public Task<AppendResult> AppendAsync(string mailboxId, int folderId, NewMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.SharedBlob && message.HolderId is null)
        {
            throw new ArgumentException("A shared blob needs a holder id.", nameof(message));
        }
        return GroupCommit.SubmitAsync(index.Lanes.For(mailboxId), new MailboxLanes.PendingAppend(mailboxId, folderId, message, this), cancellationToken);
    }

    public Task WriteAsync(MailboxLanes.Lane lane, string mailboxId, List<PendingWrite> group, CancellationToken cancellationToken) =>
        ProcessAppendsAsync(lane, mailboxId, group.Cast<MailboxLanes.PendingAppend>().ToList(), cancellationToken);

    /// <summary>Files <paramref name="batch"/> (the lane is held) and completes each append with its outcome.</summary>
    private async Task ProcessAppendsAsync(MailboxLanes.Lane lane, string mailboxId, List<MailboxLanes.PendingAppend> batch, CancellationToken cancellationToken)
    {
        var rows = lane.Rows(mailboxId);
        AppendPlan? plan = null;
        try
        {
            await ETagRetry.RunAsync(async attempt =>
            {
                if (batch.Count == 0)
                {
                    return; // all answered as duplicates
                }
                rows.Box ??= await index.GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
                if (rows.Box is null)
                {
                    foreach (var p in batch)
                    {
                        p.Completion.TrySetResult(new AppendResult(AppendOutcome.NoSuchFolder, p.FolderId, 0, 0, 0));
                    }
                    return;
                }
                foreach (var folderId in batch.Select(p => p.FolderId).Distinct().ToList())
                {
                    if (rows.Folders.TryGetValue(folderId, out var known) && batch.Any(p => p.FolderId == folderId && !NamedAs(p, known)))
                    {
                        rows.Folders.Remove(folderId); // the name does not match a remembered row: read it, never refuse on memory
                    }
                    if (!rows.Folders.TryGetValue(folderId, out var row))
                    {
                        var f = await index.GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
                        if (f is null)
                        {
                            foreach (var p in batch.Where(p => p.FolderId == folderId).ToList())
                            {
                                p.Completion.TrySetResult(new AppendResult(AppendOutcome.NoSuchFolder, folderId, 0, 0, 0));
                                batch.Remove(p);
                            }
                            continue;
                        }
                        rows.Folders[folderId] = row = f;
                    }
                    foreach (var p in batch.Where(p => p.FolderId == folderId && !NamedAs(p, row)).ToList())
                    {
                        // Renamed (or deleted and its id reused) since the caller looked it up.
                        p.Completion.TrySetResult(new AppendResult(AppendOutcome.NoSuchFolder, folderId, 0, 0, 0));
                        batch.Remove(p);
                    }
                }
                if (batch.Count == 0)
                {
                    return;
                }

                plan = AppendPlan.Make(mailboxId, rows, batch, lane);
                if (plan.Actions.Count == plan.CounterCount)
                {
                    plan.Complete();
                    return;
                }
                var response = await index.Table.SubmitTransactionAsync(plan.Actions, cancellationToken).ConfigureAwait(false);
                rows.Box = IndexTable.WithETag(plan.Box, response.Value[0]);
                var i = 1;
                var deltas = new List<(int FolderId, FolderDelta? Delta)>();
                foreach (var (folderId, folder) in plan.Folders)
                {
                    deltas.Add((folderId, FolderSignals.DeltaOf(rows.Folders[folderId], folder, [], plan.Added(folderId))));
                    rows.Folders[folderId] = IndexTable.WithETag(folder, response.Value[i++]);
                }
                if (rows.Box.ETag == default || rows.Folders.Values.Any(f => f.ETag == default))
                {
                    rows.Forget();
                }
                foreach (var (action, folderId, row) in plan.Written)
                {
                    rows.Remember(folderId, row, response.Value[action].Headers.ETag ?? default);
                }
                plan.Complete();
                foreach (var (folderId, delta) in deltas)
                {
                    index.Signals.Raise(mailboxId, folderId, delta);
                }
            },
            ETagRetry.TransactionConflict,
            async (e, attempt) =>
            {
                rows.Forget();
                if (e.Status == 409 && await ResolveDuplicatesAsync(mailboxId, plan!, (e as TableTransactionFailedException)?.FailedTransactionActionIndex, batch, cancellationToken).ConfigureAwait(false))
                {
                    return AfterConflict.RetryAtOnce;
                }
                index.LogConflict(mailboxId, e.Status, attempt);
                return AfterConflict.Pause;
            },
            cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is >= 400 and < 500 && batch.Count(p => !p.IsCompleted) > 1)
        {
            // Refused as a whole (a transaction is all or nothing) for one append's sake: each of
            // the rest is tried alone, so only the append that fails alone fails.
            rows.Forget();
            GroupCommit.Retreat(lane, batch, e);
        }
        catch (Exception e)
        {
            // Whether it was written is unknown: an append without a dedupe key must not be tried again.
            rows.Forget();
            foreach (var p in batch)
            {
                p.Completion.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// A 409 in an append batch means a dedupe row exists: that message was filed before. Answer
    /// those appends with the first UID and retry the rest. Returns false if no duplicate was found.
    /// </summary>
    private async Task<bool> ResolveDuplicatesAsync(string mailboxId, AppendPlan plan, int? failedIndex, List<MailboxLanes.PendingAppend> batch, CancellationToken cancellationToken)
    {
        var candidates = failedIndex is int i && plan.DedupeActions.TryGetValue(i, out var one)
            ? [one]
            : plan.DedupeActions.Values.ToList();
        var found = false;
        foreach (var p in candidates)
        {
            var row = await index.GetEntityAsync(mailboxId, IndexKeys.Dedupe(p.Message.DedupeKey!), cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                continue;
            }
            found = true;
            p.Completion.TrySetResult(new AppendResult(AppendOutcome.Duplicate, row.GetInt32("FolderId") ?? p.FolderId,
                row.GetInt64("UidValidity") ?? 0, row.GetInt64("Uid") ?? 0, 0));
            batch.Remove(p);
        }
        return found;
    }

    private static bool NamedAs(MailboxLanes.PendingAppend p, TableEntity folder) =>
        p.Message.FolderName is not { } name || string.Equals(folder.GetString("Name"), name, StringComparison.Ordinal);
}

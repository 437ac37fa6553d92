using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// APPEND and delivery: allocates UIDs from the folder rows. Concurrent appends to one mailbox in
/// this process are coalesced: whoever holds the mailbox's lane takes every waiting append (up to
/// half a transaction's operations) into one entity-group transaction with the mailbox and folder
/// counters, so UIDs stay gap-free however many processes write.
/// </summary>
internal sealed class MessageAppender(IndexTable index)
{
    public async Task<AppendResult> AppendAsync(string mailboxId, int folderId, NewMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.SharedBlob && message.HolderId is null)
        {
            throw new ArgumentException("A shared blob needs a holder id.", nameof(message));
        }
        var lane = index.Lanes.For(mailboxId);
        var pending = new MailboxLanes.PendingAppend(mailboxId, folderId, message);
        lock (lane.Pending)
        {
            lane.Pending.Add(pending);
        }
        while (!pending.Completion.Task.IsCompleted)
        {
            try
            {
                await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (lane.Pending)
                {
                    if (lane.Pending.Remove(pending))
                    {
                        throw;
                    }
                }
                break; // already taken by another caller's batch: wait for its outcome
            }
            try
            {
                if (pending.Completion.Task.IsCompleted)
                {
                    break;
                }
                List<MailboxLanes.PendingAppend> batch;
                lock (lane.Pending)
                {
                    batch = lane.Pending.Where(p => p.MailboxId == mailboxId).Take(IndexTable.MaxOpsPerTransaction / 2).ToList();
                    foreach (var p in batch)
                    {
                        lane.Pending.Remove(p);
                    }
                }
                await ProcessAppendsAsync(lane, mailboxId, batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lane.Gate.Release();
            }
        }
        return await pending.Completion.Task.ConfigureAwait(false);
    }

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
                    if (!rows.Folders.ContainsKey(folderId))
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
                        rows.Folders[folderId] = f;
                    }
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
        catch (Exception e)
        {
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
}

using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// Deleting whole folders (IMAP DELETE) and whole mailboxes (deprovisioning) with everything
/// under them: messages, blob references, change log and view snapshot.
/// </summary>
internal sealed class MailboxPurge(IndexTable index, ChangeLog changeLog, FolderViews views)
{
    /// <summary>
    /// Deletes a folder with its messages (RFC 3501 6.3.4; the caller refuses INBOX). Messages go
    /// through <see cref="ChangeLog.ExpungeAsync"/> so counters, quota and blobs stay right; the folder and
    /// name rows go last, in one transaction guarded by the folder row's ETag, so a message
    /// appended meanwhile is expunged too rather than orphaned. Returns false if there is no such folder.
    /// </summary>
    public async Task<bool> DeleteFolderAsync(string mailboxId, int folderId, CancellationToken cancellationToken)
    {
        var deleted = await ETagRetry.RunAsync(async attempt =>
        {
            TableEntity? folder;
            while (true)
            {
                folder = await index.GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
                if (folder is null)
                {
                    return false;
                }
                var uids = new List<long>();
                await foreach (var m in views.ListViewEntriesAsync(mailboxId, folderId, 1, cancellationToken).ConfigureAwait(false))
                {
                    uids.Add(m.Uid);
                }
                if (uids.Count == 0)
                {
                    break;
                }
                await changeLog.ExpungeAsync(mailboxId, folderId, uids, cancellationToken).ConfigureAwait(false);
            }
            var lane = index.Lanes.For(mailboxId);
            await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lane.Rows(mailboxId).Forget();
                var name = folder.GetString("Name") ?? "";
                List<TableTransactionAction> actions =
                [
                    new(TableTransactionActionType.Delete, new TableEntity(mailboxId, folder.RowKey), folder.ETag),
                    new(TableTransactionActionType.Delete, new TableEntity(mailboxId, IndexKeys.Name(name)), ETag.All),
                ];
                if (folder.GetBoolean("Subscribed") == true)
                {
                    // RFC 3501 6.3.6: the subscription outlives the folder (LIST shows it \NonExistent).
                    actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(mailboxId, IndexKeys.Subscription(name)) { ["Name"] = name }));
                }
                await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lane.Gate.Release();
            }
            return true;
        },
        // Changed meanwhile (a new message, a rename): look again at once.
        e => e is TableTransactionFailedException && e.Status is 404 or 412,
        (_, _) => Task.FromResult(AfterConflict.RetryAtOnce),
        cancellationToken).ConfigureAwait(false);
        if (!deleted)
        {
            return false;
        }
        index.Signals.Raise(mailboxId, folderId);
        // Leftovers under a folder id that is never reused: the change log and the view snapshot.
        await IndexTable.DeletePrefixAsync(index.Table, mailboxId, IndexKeys.ChangeRangeStart(folderId), cancellationToken).ConfigureAwait(false);
        await IndexTable.DeletePrefixAsync(index.Table, mailboxId, FolderViews.SnapshotPrefix(folderId), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Deletes a mailbox's whole index partition and its blobs. Safe to run again after a crash.</summary>
    public async Task DeleteMailboxAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq '{IndexKeys.Quote(mailboxId)}'";
        var batch = new List<TableTransactionAction>();
        var released = new List<IndexedMessage>();
        TableEntity? box = null;
        await foreach (var e in index.Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "Blob", "Shared", "Holder", "Size", "InternalDate", "Flags", IndexEntities.InlineColumn], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey == IndexKeys.Box)
            {
                box = e; // deleted last, so a rerun still finds the partition
                continue;
            }
            if (e.RowKey.StartsWith(IndexKeys.MessagePrefix, StringComparison.Ordinal))
            {
                released.Add(IndexEntities.ToMessage(e));
            }
            batch.Add(new(TableTransactionActionType.Delete, e, ETag.All));
            if (batch.Count == IndexTable.MaxOpsPerTransaction)
            {
                await FlushDeletesAsync(batch, released, cancellationToken).ConfigureAwait(false);
            }
        }
        await FlushDeletesAsync(batch, released, cancellationToken).ConfigureAwait(false);
        if (box is not null)
        {
            await index.Table.DeleteEntityAsync(mailboxId, IndexKeys.Box, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        var lane = index.Lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lane.Rows(mailboxId).Forget();
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    private async Task FlushDeletesAsync(List<TableTransactionAction> batch, List<IndexedMessage> released, CancellationToken cancellationToken)
    {
        if (batch.Count > 0)
        {
            try
            {
                await index.Table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Someone else deleted part of it; delete the rest one by one.
                foreach (var a in batch)
                {
                    await index.Table.DeleteEntityAsync(a.Entity.PartitionKey, a.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                }
            }
            batch.Clear();
        }
        foreach (var m in released)
        {
            await index.Holders.ReleaseAsync(m, cancellationToken).ConfigureAwait(false);
        }
        released.Clear();
    }
}

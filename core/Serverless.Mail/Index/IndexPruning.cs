using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// Keeps the change log (c|…) and the dedupe rows (d|…) of one mailbox to their retention windows.
/// Run by the daily upkeep timer rather than on the write path: a writer cannot know which old
/// rows exist without a query, so pruning there would cost a query per write; the timer costs two
/// queries per mailbox a day, plus one transaction per 100 rows it deletes.
/// <para>
/// Two phases keep readers right: a run deletes only log rows at or below the folder's
/// <see cref="FolderInfo.LogFloor"/> as an earlier run published it, then raises the floor to the
/// newest entry now outside the window. A reader that read the folder row (and its floor) before
/// querying the log therefore never misses an entry above that floor.
/// </para>
/// </summary>
internal sealed class IndexPruning(IndexTable index)
{
    public async Task<IndexPruneResult> PruneAsync(string mailboxId, DateTimeOffset changesBefore, DateTimeOffset dedupeBefore, CancellationToken cancellationToken)
    {
        // Old log rows, by folder (one range query over the partition's c| rows).
        var old = new Dictionary<int, List<long>>();
        await foreach (var e in QueryOldAsync(mailboxId, IndexKeys.ChangePrefix, changesBefore, cancellationToken).ConfigureAwait(false))
        {
            var parts = e.RowKey.Split('|');
            var folderId = int.Parse(parts[1], CultureInfo.InvariantCulture);
            (old.TryGetValue(folderId, out var list) ? list : old[folderId] = []).Add(long.Parse(parts[2], CultureInfo.InvariantCulture));
        }
        var changes = 0;
        foreach (var (folderId, modSeqs) in old)
        {
            var row = await index.GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
            var floor = row is null ? long.MaxValue : row.GetInt64("LogFloor") ?? 0; // a deleted folder's leftovers all go
            var deletable = modSeqs.Where(m => m <= floor).Select(m => IndexKeys.Change(folderId, m)).ToList();
            changes += await DeleteAsync(mailboxId, deletable, cancellationToken).ConfigureAwait(false);
            var newFloor = modSeqs.Max();
            if (row is not null && newFloor > floor)
            {
                try
                {
                    // A merge of one property, guarded by the row's ETag: a writer that changed the
                    // folder meanwhile wins, and the floor is raised on the next run.
                    await index.Table.UpdateEntityAsync(new TableEntity(mailboxId, row.RowKey) { ["LogFloor"] = newFloor }, row.ETag,
                        TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status is 412 or 404)
                {
                }
            }
        }
        var dedupe = new List<string>();
        await foreach (var e in QueryOldAsync(mailboxId, IndexKeys.DedupePrefix, dedupeBefore, cancellationToken).ConfigureAwait(false))
        {
            dedupe.Add(e.RowKey);
        }
        var dedupeRows = await DeleteAsync(mailboxId, dedupe, cancellationToken).ConfigureAwait(false);
        return new IndexPruneResult(changes, dedupeRows);
    }

    private AsyncPageable<TableEntity> QueryOldAsync(string mailboxId, string prefix, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        var filter = IndexKeys.Range(mailboxId, prefix, end) + " and " + TableClient.CreateQueryFilter($"Timestamp lt {before}");
        return index.Table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken);
    }

    /// <summary>Deletes the rows, 100 per transaction; a row already gone is skipped (404 fails its whole batch, which is then deleted one by one).</summary>
    private async Task<int> DeleteAsync(string mailboxId, List<string> rowKeys, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var chunk in rowKeys.Chunk(IndexTable.MaxOpsPerTransaction))
        {
            try
            {
                await index.Table.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete,
                    new TableEntity(mailboxId, k), ETag.All)), cancellationToken).ConfigureAwait(false);
                deleted += chunk.Length;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                foreach (var k in chunk)
                {
                    var r = await index.Table.DeleteEntityAsync(mailboxId, k, ETag.All, cancellationToken).ConfigureAwait(false);
                    deleted += r.Status == 404 ? 0 : 1;
                }
            }
        }
        return deleted;
    }
}

/// <summary>Rows a prune deleted: change-log entries and dedupe rows.</summary>
public sealed record IndexPruneResult(int ChangeRows, int DedupeRows);

using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>
/// What the roles of one <see cref="MailboxIndex"/> share: the index table, this instance's
/// per-mailbox lanes (write order and cached counter rows — a second instance behaves like
/// another process), the blob holders, the change signals and the log; and the row plumbing
/// they all use.
/// </summary>
internal sealed partial class IndexTable
{
    public const int MaxOpsPerTransaction = 100;

    private readonly ILogger _logger;

    public IndexTable(TableClient table, BlobHolders holders, ILogger logger, Feed.ChangeFeedWriter? feed = null)
    {
        Table = table;
        Holders = holders;
        _logger = logger;
        Signals = new FolderSignals { Feed = feed };
    }

    public TableClient Table { get; }

    /// <summary>Rows per page when the change log is read (<see cref="IndexOptions.ChangeLogPageSize"/>).</summary>
    public int ChangeLogPageSize { get; init; } = 1000;

    public MailboxLanes Lanes { get; } = new();

    public BlobHolders Holders { get; }

    public FolderSignals Signals { get; }

    /// <summary>
    /// Deletes every row of <paramref name="partition"/> whose RowKey starts with <paramref name="prefix"/>,
    /// in transactions of <see cref="MaxOpsPerTransaction"/>. A row deleted meanwhile by someone else
    /// fails its whole transaction (404); that group is then deleted row by row, where a missing row
    /// is no error, so the range is gone when this returns.
    /// </summary>
    public static async Task DeletePrefixAsync(TableClient table, string partition, string prefix, CancellationToken cancellationToken)
    {
        var filter = IndexKeys.Range(partition, prefix, prefix[..^1] + (char)(prefix[^1] + 1));
        var batch = new List<TableTransactionAction>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            batch.Add(new(TableTransactionActionType.Delete, e, ETag.All));
            if (batch.Count == MaxOpsPerTransaction)
            {
                await SubmitDeletesAsync(table, batch, cancellationToken).ConfigureAwait(false);
            }
        }
        await SubmitDeletesAsync(table, batch, cancellationToken).ConfigureAwait(false);
    }

    private static async Task SubmitDeletesAsync(TableClient table, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            await table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            foreach (var action in batch)
            {
                await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
        }
        batch.Clear();
    }

    public async Task<TableEntity?> GetEntityAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return r.HasValue ? r.Value : null;
    }

    /// <summary>A folder row from the lane's cache, or read (and cached) if it is not there.</summary>
    public async Task<TableEntity?> CachedFolderRowAsync(string mailboxId, MailboxLanes.CachedRows rows, int folderId, CancellationToken cancellationToken)
    {
        if (!rows.Folders.TryGetValue(folderId, out var row))
        {
            row = await GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
            if (row is not null)
            {
                rows.Folders[folderId] = row;
            }
        }
        return row;
    }

    /// <summary>Whole message rows (summary included) with their ETags, for the UIDs that exist.</summary>
    public async Task<List<TableEntity>> ReadMessageEntitiesAsync(string mailboxId, int folderId, long[] uids, CancellationToken cancellationToken)
    {
        var result = new List<TableEntity>();
        await foreach (var e in ReadMessageRowsAsync(mailboxId, folderId, uids, select: null, cancellationToken).ConfigureAwait(false))
        {
            result.Add(e);
        }
        return result;
    }

    /// <summary>
    /// The rows of those <paramref name="uids"/> of a folder that exist, with their ETags (only the
    /// <paramref name="select"/>ed columns; null: all). One message is a point read, more one
    /// range query from the lowest UID to the highest. On Azure both are one request; on Azurite a
    /// query filters every row of the table (LokiJS has no range index), so under a long change log
    /// it costs several times a point read, which is a lookup by key (bench/README, "IMAP writes:
    /// what precedes them, read by key"). N point reads would be N billed requests on Azure, so
    /// several messages keep the one query.
    /// </summary>
    public async IAsyncEnumerable<TableEntity> ReadMessageRowsAsync(string mailboxId, int folderId, long[] uids, IEnumerable<string>? select,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (uids.Length == 0)
        {
            yield break;
        }
        if (uids.Length == 1)
        {
            var r = await Table.GetEntityIfExistsAsync<TableEntity>(mailboxId, IndexKeys.Message(folderId, uids[0]), select, cancellationToken).ConfigureAwait(false);
            if (r.HasValue && r.Value is { } row)
            {
                yield return row;
            }
            yield break;
        }
        var wanted = uids.ToHashSet();
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Message(folderId, uids.Min()), IndexKeys.Message(folderId, uids.Max() + 1));
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(IndexKeys.UidFromMessageKey(e.RowKey)))
            {
                yield return e;
            }
        }
    }

    /// <summary>A copy to write back under the same key, guarded by the original's ETag.</summary>
    public static TableEntity Clone(TableEntity e)
    {
        var c = CopyOf(e, e.PartitionKey, e.RowKey);
        c.ETag = e.ETag;
        return c;
    }

    /// <summary>The properties of <paramref name="source"/> under another key.</summary>
    public static TableEntity CopyOf(TableEntity source, string mailboxId, string rowKey)
    {
        var copy = new TableEntity(mailboxId, rowKey);
        foreach (var (k, v) in source)
        {
            if (k is not ("PartitionKey" or "RowKey" or "odata.etag" or "Timestamp"))
            {
                copy[k] = v;
            }
        }
        return copy;
    }

    public static TableEntity WithETag(TableEntity e, Response response)
    {
        e.ETag = response.Headers.ETag ?? default;
        return e;
    }

    /// <summary>True when these rows, written in one transaction, could exceed its 4 MiB request limit.</summary>
    public static bool TooLargeForOneTransaction(IEnumerable<TableEntity> rows) =>
        rows.Sum(TableEntitySize.OnTheWire) > TableEntitySize.TransactionBudgetBytes;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Index write conflict in mailbox {MailboxId} (status {Status}, attempt {Attempt})")]
    public partial void LogConflict(string mailboxId, int status, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Folder view of {MailboxId}/{FolderId} not saved: {Reason}")]
    public partial void LogViewNotSaved(string mailboxId, int folderId, string reason);
}

using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Messages;

/// <summary>
/// Reference rows for message blobs that more than one message row points at (a delivery to
/// several local recipients, an IMAP COPY). PartitionKey = escaped blob name, RowKey = the holder
/// id kept in each message row. A blob that only one row references has no holder rows at all,
/// so the common case costs nothing; the blob is deleted when its last holder is released.
/// </summary>
public sealed class BlobHolders
{
    private readonly TableClient _table;
    private readonly MessageStore _messages;

    public BlobHolders(MailStorage storage, MessageStore messages)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _table = storage.BlobHolders;
        _messages = messages;
    }

    /// <summary>Registers holders of a blob (idempotent: insert-or-replace, one transaction per 100).</summary>
    public async Task AddAsync(string blobName, IEnumerable<string> holderIds, CancellationToken cancellationToken = default)
    {
        var pk = KeyEscaping.Escape(blobName);
        foreach (var chunk in holderIds.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            var actions = chunk.Select(id => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(pk, KeyEscaping.Escape(id)) { ["Blob"] = blobName })).ToList();
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes holder rows that no message row came to reference (a COPY that failed after
    /// registering them). Never deletes the blob: the rows that do reference it decide that.
    /// </summary>
    public async Task RemoveAsync(string blobName, IEnumerable<string> holderIds, CancellationToken cancellationToken = default)
    {
        var pk = KeyEscaping.Escape(blobName);
        foreach (var id in holderIds.Distinct(StringComparer.Ordinal))
        {
            try
            {
                await _table.DeleteEntityAsync(pk, KeyEscaping.Escape(id), ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
    }

    /// <summary>
    /// A message row is gone (expunged, purged): its blob is released as below — unless the row
    /// kept the message's bytes itself, which left with it (nothing to delete, no request).
    /// </summary>
    public Task ReleaseAsync(Index.IndexedMessage row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Inline ? Task.CompletedTask : ReleaseAsync(row.BlobName, row.HolderId, row.SharedBlob, cancellationToken);
    }

    /// <summary>
    /// A message row that referenced <paramref name="blobName"/> is gone. Unshared blobs are deleted
    /// at once; a shared one only when no holder remains.
    /// </summary>
    public async Task ReleaseAsync(string blobName, string? holderId, bool shared, CancellationToken cancellationToken = default)
    {
        if (!shared)
        {
            await _messages.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
            return;
        }
        var pk = KeyEscaping.Escape(blobName);
        if (holderId is not null)
        {
            try
            {
                await _table.DeleteEntityAsync(pk, KeyEscaping.Escape(holderId), ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
        await foreach (var _ in _table.QueryAsync<TableEntity>($"PartitionKey eq '{pk.Replace("'", "''", StringComparison.Ordinal)}'", maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return; // someone still holds it
        }
        await _messages.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
    }
}

using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Messages;

/// <summary>
/// Raw RFC 5322 message bytes in blobs. Written by streaming (<see cref="SpoolBlobStream"/>),
/// read by streaming or by byte range. Blob names are made here, never taken from a client.
/// Also the one place that opens a stored message whatever holds it (<see cref="MessageSource"/>):
/// its blob, or its index row for a message kept there (a small IMAP APPEND; no blob exists).
/// </summary>
public sealed class MessageStore
{
    private readonly BlobContainerClient _container;
    private readonly TableClient _index;

    public MessageStore(MailStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _container = storage.Messages;
        _index = storage.MailIndex;
    }

    /// <summary>Opens a stored message whole, from its blob or its row.</summary>
    public async Task<Stream> OpenReadAsync(MessageSource message, CancellationToken cancellationToken = default) =>
        message.InRow ? new MemoryStream(await ReadRowAsync(message, cancellationToken).ConfigureAwait(false), writable: false)
        : await OpenReadAsync(message.BlobName, cancellationToken).ConfigureAwait(false);

    /// <summary>As <see cref="OpenReadRangeAsync(string, long, long, CancellationToken)"/>, from the blob or the row.</summary>
    public async Task<Stream> OpenReadRangeAsync(MessageSource message, long offset, long length, CancellationToken cancellationToken = default)
    {
        if (!message.InRow)
        {
            return await OpenReadRangeAsync(message.BlobName, offset, length, cancellationToken).ConfigureAwait(false);
        }
        if (length <= 0)
        {
            return Stream.Null;
        }
        var bytes = await ReadRowAsync(message, cancellationToken).ConfigureAwait(false);
        var start = (int)Math.Min(Math.Max(0, offset), bytes.LongLength);
        return new MemoryStream(bytes, start, (int)Math.Min(length, bytes.LongLength - start), writable: false);
    }

    /// <summary>
    /// A row-kept message's bytes: those the caller read with the row, else one point read of the
    /// row selecting only its byte columns. A row gone (expunged, moved) is answered as a missing
    /// blob is — <see cref="RequestFailedException"/> 404 — so callers treat both alike.
    /// </summary>
    public async Task<byte[]> ReadRowAsync(MessageSource message, CancellationToken cancellationToken = default)
    {
        if (message.Content is { } held)
        {
            return held;
        }
        var row = await _index.GetEntityIfExistsAsync<TableEntity>(message.MailboxId!, Index.IndexKeys.Message(message.FolderId, message.Uid),
            Index.IndexEntities.ContentColumns, cancellationToken).ConfigureAwait(false);
        return (row.HasValue ? Index.IndexEntities.ReadContent(row.Value!) : null)
            ?? throw new RequestFailedException(404, "The message row holding the message is gone", "BlobNotFound", null);
    }

    /// <summary>A fresh, unguessable blob name, grouped by day so operators can browse and expire spools.</summary>
    public static string NewBlobName(DateTimeOffset receivedAt) =>
        $"{receivedAt.UtcDateTime:yyyy'/'MM'/'dd}/{Guid.NewGuid():N}.eml";

    /// <summary>
    /// Opens a write stream for a new message blob. Nothing is visible under the name until
    /// <see cref="SpoolBlobStream.CommitAsync"/> returns; dispose without commit leaves no blob.
    /// </summary>
    public SpoolBlobStream CreateWriter(string blobName, int bufferSize = SpoolBlobStream.DefaultBufferSize) =>
        new(_container.GetBlockBlobClient(blobName), bufferSize);

    /// <summary>
    /// A writer for a message of exactly <paramref name="length"/> bytes, written with one Put Blob
    /// from an array of its own (not the pool's) that <see cref="SpoolBlobStream.TakeCommittedBytes"/>
    /// hands on after the commit: for a listener that keeps what it stored in memory.
    /// </summary>
    public SpoolBlobStream CreateWholeWriter(string blobName, int length) =>
        new(_container.GetBlockBlobClient(blobName), GC.AllocateUninitializedArray<byte>(length));

    /// <summary>
    /// Stores a whole message held in memory under <paramref name="blobName"/> with one Put Blob
    /// (<c>If-None-Match: *</c>; a blob already there from an earlier attempt counts as written).
    /// <paramref name="metadata"/> as for <see cref="SpoolBlobStream.CommitAsync"/>.
    /// </summary>
    public async Task WriteAsync(string blobName, ReadOnlyMemory<byte> content, IDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        await using var writer = CreateWholeWriter(blobName, content.Length);
        await writer.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await writer.CommitAsync(metadata, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the whole message for sequential reading.</summary>
    public async Task<Stream> OpenReadAsync(string blobName, CancellationToken cancellationToken = default)
    {
        var response = await _container.GetBlobClient(blobName)
            .DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Value.Content;
    }

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/> (clipped at the end of the blob).</summary>
    public async Task<Stream> OpenReadRangeAsync(string blobName, long offset, long length, CancellationToken cancellationToken = default)
    {
        if (length <= 0)
        {
            return Stream.Null;
        }
        try
        {
            var response = await _container.GetBlobClient(blobName).DownloadStreamingAsync(
                new BlobDownloadOptions { Range = new HttpRange(offset, length) }, cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            return Stream.Null; // offset past the end
        }
    }

    public async Task<long?> GetSizeAsync(string blobName, CancellationToken cancellationToken = default)
    {
        try
        {
            var props = await _container.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return props.Value.ContentLength;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string blobName, CancellationToken cancellationToken = default) =>
        (await _container.GetBlobClient(blobName).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Deletes a message blob; a missing blob is not an error (deletes are retried).</summary>
    public async Task DeleteAsync(string blobName, CancellationToken cancellationToken = default) =>
        await _container.GetBlobClient(blobName).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
}

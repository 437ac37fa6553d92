using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Messages;

/// <summary>
/// Raw RFC 5322 message bytes in blobs. Written by streaming (<see cref="SpoolBlobStream"/>),
/// read by streaming or by byte range. Blob names are made here, never taken from a client.
/// </summary>
public sealed class MessageStore
{
    private readonly BlobContainerClient _container;

    public MessageStore(MailStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _container = storage.Messages;
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

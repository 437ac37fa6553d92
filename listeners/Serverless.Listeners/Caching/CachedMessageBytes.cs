using Serverless.Mail.Messages;

namespace Serverless.Listeners.Caching;

/// <summary>Whole small messages through the cache: a warm message costs no blob (or row) read.</summary>
internal static class CachedMessageBytes
{
    /// <summary>
    /// The message's bytes, from the cache or read whole (one request) and kept; null when it is
    /// larger than the cache keeps, or the blob is not the size its row says (the caller then
    /// reads ranges as before, and reports a short blob as it always did).
    /// </summary>
    public static async Task<byte[]?> ReadWholeAsync(this MessageCache cache, MessageStore store, MessageSource message, long size, CancellationToken cancellationToken)
    {
        var blobName = message.BlobName;
        if (size > cache.MaxMessageBytes || size < 0)
        {
            return null;
        }
        if (cache.GetBytes(blobName) is { } held && held.LongLength == size)
        {
            return held;
        }
        if (size == 0)
        {
            return [];
        }
        await using var stream = await store.OpenReadRangeAsync(message, 0, size, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[size];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }
            filled += n;
        }
        cache.SetBytes(blobName, buffer);
        return buffer;
    }
}

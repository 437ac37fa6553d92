using Microsoft.Extensions.Caching.Memory;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;

namespace Serverless.Listeners.Caching;

/// <summary>Where a message row lives: UIDs are never reused within a folder's UIDVALIDITY, and folder ids never within a mailbox.</summary>
internal readonly record struct MessageKey(string MailboxId, int FolderId, long UidValidity, long Uid);

/// <summary>
/// The parts of a message row that never change once it is written (flags and MODSEQ do, and are
/// not here). <see cref="WithSummary"/> says whether the summary columns were read: a row read
/// without them has <see cref="Summary"/> null but may have one.
/// </summary>
internal sealed record CachedMessage(string BlobName, long Size, DateTimeOffset InternalDate, MessageSummary? Summary, bool WithSummary)
{
    /// <summary>When the message was filed into its folder (RFC 8514 SAVEDATE); null for rows older than that column.</summary>
    public DateTimeOffset? SavedDate { get; init; }

    /// <summary>Where the row is, when it keeps the message's bytes itself (no blob; never with the bytes here); null: a blob.</summary>
    public MessageSource? InRow { get; init; }

    /// <summary>Where the message's bytes are read from (<see cref="MessageStore"/>).</summary>
    public MessageSource Source => InRow ?? MessageSource.Blob(BlobName);

    /// <summary>What the entry costs in memory, roughly: the raw header dominates a summary.</summary>
    public long EstimatedBytes => 160 + (2L * BlobName.Length) + (Summary is null ? 0 : 512 + (2L * (Summary.RawHeader?.Length ?? 0)) + PartsBytes(Summary.Body));

    private static long PartsBytes(MimePartSummary part)
    {
        var bytes = 384L;
        foreach (var child in part.Parts ?? [])
        {
            bytes += PartsBytes(child);
        }
        return part.MessageBody is { } inner ? bytes + 512 + PartsBytes(inner) : bytes;
    }
}

/// <summary>
/// What this listener process has read of messages that cannot change, shared by all its
/// sessions under one byte budget (<see cref="CacheOptions"/>): message rows without their flags,
/// keyed by <see cref="MessageKey"/>, and whole message bytes up to
/// <see cref="CacheOptions.MaxMessageBytes"/>, keyed by blob name. Correct without invalidation:
/// a UID's row is never rewritten but for its flags, and a blob is never rewritten once a row
/// points at it (the only rewrite, the ingest putting Authentication-Results in front, comes
/// before the message is filed). Expunged messages simply age out; whether a message still exists
/// is the folder view's business, not the cache's. Least recently used entries go first when the
/// budget is reached (<see cref="MemoryCache"/> with a size limit). Folder views no session holds
/// any more count against the same budget (<see cref="Hold"/>).
/// </summary>
internal sealed class MessageCache : IDisposable
{
    private const long EntryOverhead = 96;
    private readonly MemoryCache _cache;

    public MessageCache(CacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MaxBytes = options.EffectiveMaxBytes();
        MaxMessageBytes = options.MaxMessageBytes;
        // Compaction drops a tenth at a time: adding past the limit is refused and triggers it.
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = MaxBytes, CompactionPercentage = 0.1, TrackStatistics = true });
    }

    public long MaxBytes { get; }

    public int MaxMessageBytes { get; }

    /// <summary>Bytes held now, as estimated when the entries were added.</summary>
    public long CurrentBytes => _cache.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    public long Count => _cache.Count;

    /// <summary>The row's unchanging parts, if held (with the summary when <paramref name="needSummary"/>).</summary>
    public CachedMessage? GetMessage(MessageKey key, bool needSummary) =>
        _cache.TryGetValue(key, out CachedMessage? m) && m is not null && (m.WithSummary || !needSummary) ? m : null;

    /// <summary>Keeps a row's unchanging parts; one read with the summary is never replaced by one without.</summary>
    public void SetMessage(MessageKey key, CachedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.WithSummary && _cache.TryGetValue(key, out CachedMessage? held) && held is { WithSummary: true })
        {
            return;
        }
        Set(key, message, message.EstimatedBytes);
    }

    /// <summary>A whole message's bytes, if held.</summary>
    public byte[]? GetBytes(string blobName) =>
        _cache.TryGetValue(new BlobKey(blobName), out byte[]? bytes) ? bytes : null;

    public void SetBytes(string blobName, byte[] bytes) => SetBytes(blobName, bytes, CacheItemPriority.Normal);

    /// <summary>
    /// Keeps the bytes this process's MX has just stored (a new message for a local mailbox), before
    /// anyone asked for them. At low priority: when the budget is full, compaction takes such entries
    /// first (least recently used among them), so a flood of received mail pushes out its own kind,
    /// not the rows, folder views and messages sessions have read.
    /// </summary>
    public void KeepReceived(string blobName, byte[] bytes) => SetBytes(blobName, bytes, CacheItemPriority.Low);

    private void SetBytes(string blobName, byte[] bytes, CacheItemPriority priority)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length <= MaxMessageBytes)
        {
            Set(new BlobKey(blobName), bytes, bytes.LongLength + (2L * blobName.Length), priority);
        }
    }

    private void Set(object key, object value, long size, CacheItemPriority priority = CacheItemPriority.Normal)
    {
        using var entry = _cache.CreateEntry(key);
        entry.Value = value;
        entry.Size = size + EntryOverhead;
        entry.Priority = priority;
    }

    /// <summary>
    /// Counts something kept only while the budget allows (a folder view no session holds) under
    /// <paramref name="key"/>: when the entry is pushed out, or <paramref name="keepFor"/> has
    /// passed, <paramref name="evicted"/> runs (not when the entry is merely replaced or removed).
    /// </summary>
    public void Hold(object key, long bytes, TimeSpan keepFor, Action evicted)
    {
        using var entry = _cache.CreateEntry(key);
        entry.Value = evicted;
        entry.Size = bytes + EntryOverhead;
        entry.AbsoluteExpirationRelativeToNow = keepFor;
        entry.RegisterPostEvictionCallback(static (_, value, reason, _) =>
        {
            if (reason is not (EvictionReason.Replaced or EvictionReason.Removed))
            {
                ((Action)value!).Invoke();
            }
        });
    }

    public void Release(object key) => _cache.Remove(key);

    /// <summary>Drops this share of the entries at once, least recently used first (the cache does it by itself when full).</summary>
    public void Compact(double share) => _cache.Compact(share);

    public void Dispose() => _cache.Dispose();

    private readonly record struct BlobKey(string Name);
}

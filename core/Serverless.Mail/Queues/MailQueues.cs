using System.IO.Compression;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Queues;

/// <summary>Puts hand-offs on the queues. One Put Message each; the JSON contracts are in docs/storage.md.</summary>
public sealed partial class MailQueues : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly QueueClient _inbound;
    private readonly QueueClient _outbound;
    private readonly Azure.Storage.Blobs.BlobContainerClient _spills;

    public MailQueues(MailStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _inbound = storage.Inbound;
        _outbound = storage.Outbound;
        _spills = storage.Messages;
    }

    /// <summary>
    /// A message was put on a queue by this process and is visible now (the queue's name, e.g.
    /// <c>inbound</c>). A poller of that queue in the same process (the dev host's) may look at once
    /// instead of at the end of its back-off; in Azure nobody in the listener's process polls, and
    /// nothing listens. Handlers must be quick and must not throw.
    /// </summary>
    public event Action<string>? Queued;

    /// <summary>Largest JSON a queue message takes: 64 KiB after base64 encoding.</summary>
    public const int MaxMessageJsonBytes = 48 * 1024;

    /// <summary>
    /// <c>Mail:Queues:InlineHandoffBytes</c> (default 16 KiB, 0 = off): an MX message held whole in
    /// memory with at most this many stored bytes travels in its hand-off (<see cref="InboundHandoff.Content"/>,
    /// base64: 4/3 of it) instead of a blob, when that hand-off still fits <see cref="MaxMessageJsonBytes"/>.
    /// The queue would take up to ~32 KiB (43,692 bytes of base64, ~5 KiB left for envelope, recipients
    /// and summary), but above ~20 KiB the base64 through queue, JSON and table costs our process more
    /// CPU than the blob put saved Azurite (bench/README.md, "Small inbound mail in its hand-off"): 16 KiB.
    /// </summary>
    public int InlineHandoffBytes { get; init; } = DefaultInlineHandoffBytes;

    public const int DefaultInlineHandoffBytes = 16 * 1024;

    /// <summary>Puts a hand-off on the inbound queue; one too large for a queue message goes in a blob with a pointer on the queue (<see cref="SpillIfTooLargeAsync"/>).</summary>
    public async Task<SendReceipt> SendInboundAsync(InboundHandoff handoff, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        return await SendInboundAsync(handoff.Id, Serialize(handoff), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same with the hand-off's JSON made already (<see cref="Serialize"/>), so the intake serialises it once.</summary>
    internal async Task<SendReceipt> SendInboundAsync(string id, byte[] handoffJson, CancellationToken cancellationToken)
    {
        var json = await SpillIfTooLargeAsync(StorageNames.InboundQueue, id, handoffJson, cancellationToken).ConfigureAwait(false);
        var receipt = await _inbound.SendMessageAsync(json, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        Queued?.Invoke(StorageNames.InboundQueue);
        return receipt;
    }

    /// <summary>Puts a message on the outbound queue, spilled to a blob like <see cref="SendInboundAsync"/> when too large.</summary>
    public async Task<SendReceipt> SendOutboundAsync(OutboundRelayMessage message, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var json = await SpillIfTooLargeAsync(StorageNames.OutboundQueue, message.Id, JsonSerializer.SerializeToUtf8Bytes(message, Json), cancellationToken).ConfigureAwait(false);
        var receipt = await _outbound.SendMessageAsync(json, delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        if (delay is null || delay <= TimeSpan.Zero)
        {
            Queued?.Invoke(StorageNames.OutboundQueue);
        }
        return receipt;
    }

    /// <summary>Takes back a message just sent (a later step of the same acceptance failed). Best effort.</summary>
    public async Task RecallInboundAsync(SendReceipt receipt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        await _inbound.DeleteMessageAsync(receipt.MessageId, receipt.PopReceipt, cancellationToken).ConfigureAwait(false);
    }

    public async Task RecallOutboundAsync(SendReceipt receipt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        await _outbound.DeleteMessageAsync(receipt.MessageId, receipt.PopReceipt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>UTF-8 size of a hand-off's JSON, to check it against <see cref="MaxMessageJsonBytes"/>.</summary>
    public static int JsonSize(InboundHandoff handoff) => Serialize(handoff).Length;

    /// <summary>A hand-off's JSON as it goes on the queue (UTF-8).</summary>
    public static byte[] Serialize(InboundHandoff handoff) => JsonSerializer.SerializeToUtf8Bytes(handoff, Json);

    public static InboundHandoff ParseInbound(string json)
    {
        var h = JsonSerializer.Deserialize<InboundHandoff>(json, Json) ?? throw new FormatException("Empty inbound hand-off.");
        var expected = (h.Content, h.CompressedContent) switch
        {
            (null, null) => InboundHandoff.CurrentVersion,
            (not null, null) => InboundHandoff.ContentVersion,
            (null, not null) => InboundHandoff.CompressedContentVersion,
            _ => -1, // both: not a hand-off any producer writes
        };
        if (h.Version != expected)
        {
            throw new FormatException($"Inbound hand-off version {h.Version} is not supported.");
        }
        return h.CompressedContent is { } compressed ? h with { Content = Decompress(compressed, h.Size), CompressedContent = null } : h;
    }

    /// <summary>
    /// <c>Mail:Queues:CompressCarriedMessages</c> (default true): a message carried in its hand-off
    /// goes Brotli-compressed (<see cref="InboundHandoff.CompressedContent"/>, version 3) when that
    /// makes it at least an eighth smaller. False: version 2 (<c>raw</c>), as before — what a rolling
    /// upgrade needs while an ingest that reads only version 2 still consumes.
    /// </summary>
    public bool CompressCarried { get; init; } = true;

    /// <summary>
    /// Brotli (RFC 7932) at quality 1 with a 256 KiB window: for 11 KB of prose ~0.04 ms to 47 %, of a
    /// base64 attachment ~0.03 ms to 76 % (raw DEFLATE at its fastest level gave 57 % and 100 %; better
    /// Brotli qualities cost 1.5–3 times the time for a few per cent: bench/README.md, "The inbound
    /// queue's cost per message"). Null when it would not save an eighth: those bytes travel as <c>raw</c>.
    /// </summary>
    public static byte[]? CompressIfSmaller(ReadOnlySpan<byte> content)
    {
        var limit = content.Length - (content.Length / 8);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(64, limit));
        try
        {
            return BrotliEncoder.TryCompress(content, buffer.AsSpan(0, limit), out var written, quality: 1, window: 18)
                ? buffer.AsSpan(0, written).ToArray()
                : null; // does not fit in seven eighths
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The carried bytes back: exactly <paramref name="size"/> of them, or the hand-off is refused
    /// (and retried, then poisoned) — never a truncated or padded message, and never more memory than
    /// its size (bounded) claims.
    /// </summary>
    public static byte[] Decompress(byte[] compressed, long size)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        if (size < 0 || size > MaxCarriedBytes)
        {
            throw new FormatException($"A carried message of {size} bytes is out of range.");
        }
        var content = GC.AllocateUninitializedArray<byte>((int)size);
        // False when the data is damaged or holds more than the destination; fewer bytes is checked here.
        if (!BrotliDecoder.TryDecompress(compressed, content, out var written) || written != size)
        {
            throw new FormatException("A carried message does not decompress to its size.");
        }
        return content;
    }

    /// <summary>
    /// Bound on what <see cref="Decompress"/> allocates for a hand-off's claimed size: listeners carry
    /// at most <see cref="InlineHandoffBytes"/> (useful up to ~32 KiB), so a size beyond this is not theirs.
    /// </summary>
    private const int MaxCarriedBytes = 4 * 1024 * 1024;

    public static OutboundRelayMessage ParseOutbound(string json)
    {
        var m = JsonSerializer.Deserialize<OutboundRelayMessage>(json, Json) ?? throw new FormatException("Empty outbound message.");
        if (m.Version != OutboundRelayMessage.CurrentVersion)
        {
            throw new FormatException($"Outbound message version {m.Version} is not supported.");
        }
        return m;
    }
}

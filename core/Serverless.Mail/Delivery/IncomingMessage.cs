using System.Buffers;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Messages;

namespace Serverless.Mail.Delivery;

/// <summary>
/// The bytes of a message being received, with bounded memory. While it stays under
/// <see cref="MemoryLimit"/> it is kept in a pooled buffer, so <see cref="MessageIntake"/> can check and
/// summarise it and still store it with a single Put Blob together with the headers it adds.
/// Past that it is streamed into the spool blob (trace headers first) in 1 MiB blocks.
/// Either way, Authentication-Results fields forged with our authserv-id are removed from the
/// stored header section (<see cref="ForgedAuthenticationResultsFilter"/>, RFC 8601 section 5);
/// <see cref="Length"/> stays the client's byte count (what the SIZE limit counts), while the size
/// stored and handed off is what the spool commits. Made by <see cref="MessageIntake.Begin"/>; the
/// protocol feeds it with <see cref="WriteAsync"/> chunk by chunk as its decoder produces them.
/// </summary>
public sealed class IncomingMessage : IAsyncDisposable
{
    /// <summary>Leaves room for the headers prepended inside one spool buffer (one Put Blob).</summary>
    public const int MemoryLimit = SpoolBlobStream.DefaultBufferSize - (16 * 1024);

    /// <summary>Header bytes go through the filter in slices of at most this size, so its output buffer stays small.</summary>
    private const int FilterSlice = 64 * 1024;

    private readonly MessageStore _store;
    private readonly ForgedAuthenticationResultsFilter _filter;
    private ArrayBufferWriter<byte>? _filtered;
    private ArrayBufferWriter<byte>? _capturedHeader;
    private bool _headerOverflow;
    private byte[]? _buffer;
    private int _buffered;

    internal IncomingMessage(MessageStore store, MessageEnvelope envelope, string id, DateTimeOffset receivedAt, string blobName, byte[] traceHeaders, string authservId)
    {
        _store = store;
        Envelope = envelope;
        _filter = new ForgedAuthenticationResultsFilter(authservId);
        Id = id;
        ReceivedAt = receivedAt;
        BlobName = blobName;
        TraceHeaders = traceHeaders;
    }

    public MessageEnvelope Envelope { get; }

    /// <summary>The hand-off id (also the "queued as" id and the Received id).</summary>
    public string Id { get; }

    public DateTimeOffset ReceivedAt { get; }

    public string BlobName { get; }

    /// <summary>Return-Path / Received, written in front of the client's bytes.</summary>
    internal byte[] TraceHeaders { get; }

    /// <summary>
    /// Set by a listener that also serves the mailboxes (IMAP, POP3) from a cache: a message stored
    /// from memory with at most this many bytes, for local recipients, comes back in
    /// <see cref="IntakeResult.StoredBytes"/>. 0 (the default): nothing is kept.
    /// </summary>
    public int KeepStoredBytesUpTo { get; set; }

    /// <summary>
    /// This MX message's hand-off, expected by the inbound group from the start of its data on
    /// (<see cref="MessageIntake.Begin"/>): a queue put under way may wait a little for it (Mail:Queues:GroupLinger).
    /// Ended when it joins a group, or when this message is disposed.
    /// </summary>
    internal Queues.MailQueues.InboundExpectation? ExpectedHandoff { get; set; }

    /// <summary>Message bytes received from the client so far.</summary>
    public long Length { get; private set; }

    /// <summary>Set once the message outgrew memory and is streaming into its blob.</summary>
    internal SpoolBlobStream? Spool { get; private set; }

    /// <summary>Forged Authentication-Results fields removed so far (known for the whole header once it was filtered).</summary>
    internal int ForgedFieldsRemoved => _filter.RemovedFields;

    /// <summary>
    /// The header section for the submission checks (<see cref="SubmissionSenders"/>): in memory the
    /// message itself (the parser stops at the blank line); once streaming, the header bytes captured
    /// on their way into the blob, up to <see cref="SubmissionSenders.MaxHeaderBytes"/> (Complete is
    /// false when it was longer). Call after the last write.
    /// </summary>
    internal (ReadOnlyMemory<byte> Header, bool Complete) HeaderSection =>
        InMemory is { } all ? (all, true) : (_capturedHeader?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty, !_headerOverflow);

    /// <summary>The whole message as the client sent it, while it fits in memory; null once spooling.</summary>
    internal ReadOnlyMemory<byte>? InMemory
    {
        get
        {
            if (Spool is not null)
            {
                return null; // (a bare null here would convert to an empty ReadOnlyMemory through byte[])
            }
            return _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, _buffered);
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Length += data.Length;
        if (Spool is not null)
        {
            await SpoolFilteredAsync(data, cancellationToken);
            return;
        }
        if (_buffered + data.Length <= MemoryLimit)
        {
            EnsureCapacity(_buffered + data.Length);
            data.CopyTo(_buffer.AsMemory(_buffered));
            _buffered += data.Length;
            return;
        }
        // Outgrew memory: from here on the message streams into its blob.
        Spool = _store.CreateWriter(BlobName);
        // The ingest checks this message and prepends its Authentication-Results as a block, even when
        // it ends up under one spool buffer (between MemoryLimit and the buffer size).
        Spool.CommitAsBlockList = true;
        await Spool.WriteAsync(TraceHeaders, cancellationToken);
        if (_buffered > 0)
        {
            await SpoolFilteredAsync(_buffer.AsMemory(0, _buffered), cancellationToken);
        }
        ReturnBuffer();
        await SpoolFilteredAsync(data, cancellationToken);
    }

    /// <summary>
    /// The message as it is to be stored, while it is in memory: the filtered header section and the
    /// untouched rest of the buffer (the body is never copied). Call once, after the last write.
    /// </summary>
    internal (ReadOnlyMemory<byte> Header, ReadOnlyMemory<byte> Body) FilterInMemory()
    {
        var all = InMemory ?? throw new InvalidOperationException("The message is spooling, not in memory.");
        var output = _filtered ??= new ArrayBufferWriter<byte>(4096);
        var consumed = _filter.Filter(all.Span, output);
        _filter.Complete(output);
        return (output.WrittenMemory, all[consumed..]);
    }

    /// <summary>The message ended while spooling: writes what the filter still holds (a header section without body).</summary>
    internal async ValueTask CompleteSpoolAsync(CancellationToken cancellationToken)
    {
        if (Spool is null || _filter.HeaderComplete)
        {
            return;
        }
        var output = _filtered ??= new ArrayBufferWriter<byte>(4096);
        _filter.Complete(output);
        CaptureHeader(output.WrittenSpan);
        await Spool.WriteAsync(output.WrittenMemory, cancellationToken);
        output.ResetWrittenCount();
    }

    /// <summary>Keeps the header bytes of a streamed submission (the only ones the sender check needs), bounded.</summary>
    private void CaptureHeader(ReadOnlySpan<byte> header)
    {
        if (!Envelope.Submission || _headerOverflow || header.IsEmpty)
        {
            return;
        }
        var capture = _capturedHeader ??= new ArrayBufferWriter<byte>(16 * 1024);
        if (capture.WrittenCount + header.Length > SubmissionSenders.MaxHeaderBytes)
        {
            _headerOverflow = true;
            return;
        }
        capture.Write(header);
    }

    /// <summary>Header bytes through the filter, body bytes straight into the blob.</summary>
    private async ValueTask SpoolFilteredAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!_filter.HeaderComplete && data.Length > 0)
        {
            var output = _filtered ??= new ArrayBufferWriter<byte>(4096);
            var consumed = _filter.Filter(data.Span[..Math.Min(data.Length, FilterSlice)], output);
            CaptureHeader(output.WrittenSpan);
            await Spool!.WriteAsync(output.WrittenMemory, cancellationToken);
            output.ResetWrittenCount();
            data = data[consumed..];
        }
        if (data.Length > 0)
        {
            await Spool!.WriteAsync(data, cancellationToken);
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (_buffer is not null && _buffer.Length >= needed)
        {
            return;
        }
        var size = Math.Min(MemoryLimit, Math.Max(needed, Math.Max(64 * 1024, (_buffer?.Length ?? 0) * 2)));
        var next = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _buffered).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = next;
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _buffered = 0;
    }

    public async ValueTask DisposeAsync()
    {
        ExpectedHandoff?.Dispose();
        ReturnBuffer();
        if (Spool is not null)
        {
            await Spool.DisposeAsync();
            Spool = null;
        }
    }
}

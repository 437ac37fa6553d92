using System.Buffers;
using Serverless.Mail.Messages;

namespace Serverless.Listeners.Smtp;

/// <summary>
/// The bytes of a message being received, with bounded memory. While it stays under
/// <see cref="MemoryLimit"/> it is kept in a pooled buffer, so the listener can check and
/// summarise it and still store it with a single Put Blob together with the headers it adds.
/// Past that it is streamed into the spool blob (trace headers first) in 1 MiB blocks.
/// </summary>
public sealed class IncomingMessage : IAsyncDisposable
{
    /// <summary>Leaves room for the headers the listener prepends inside one spool buffer (one Put Blob).</summary>
    public const int MemoryLimit = SpoolBlobStream.DefaultBufferSize - (16 * 1024);

    private readonly MessageStore _store;
    private byte[]? _buffer;
    private int _buffered;

    public IncomingMessage(MessageStore store, string id, DateTimeOffset receivedAt, string blobName, byte[] traceHeaders)
    {
        _store = store;
        Id = id;
        ReceivedAt = receivedAt;
        BlobName = blobName;
        TraceHeaders = traceHeaders;
    }

    /// <summary>The hand-off id (also the "queued as" id and the Received id).</summary>
    public string Id { get; }

    public DateTimeOffset ReceivedAt { get; }

    public string BlobName { get; }

    /// <summary>Return-Path / Received, written in front of the client's bytes.</summary>
    public byte[] TraceHeaders { get; }

    /// <summary>Message bytes received from the client so far.</summary>
    public long Length { get; private set; }

    /// <summary>Set once the message outgrew memory and is streaming into its blob.</summary>
    public SpoolBlobStream? Spool { get; private set; }

    /// <summary>The whole message as the client sent it, while it fits in memory; null once spooling.</summary>
    public ReadOnlyMemory<byte>? InMemory
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
            await Spool.WriteAsync(data, cancellationToken);
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
        await Spool.WriteAsync(TraceHeaders, cancellationToken);
        if (_buffered > 0)
        {
            await Spool.WriteAsync(_buffer.AsMemory(0, _buffered), cancellationToken);
        }
        ReturnBuffer();
        await Spool.WriteAsync(data, cancellationToken);
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
        ReturnBuffer();
        if (Spool is not null)
        {
            await Spool.DisposeAsync();
            Spool = null;
        }
    }
}

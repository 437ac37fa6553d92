using System.IO.Compression;

namespace Serverless.Listeners.Connections;

/// <summary>
/// The sending half of RFC 4978 COMPRESS=DEFLATE: raw deflate (no zlib header) with a sync flush
/// at every flush, so each response reaches the client whole. The compressor (~260 KiB of zlib
/// state) exists only while there is something to send: <see cref="Release"/> drops it after a
/// flush, and the next write starts a new one. The client's inflater still sees one stream — a
/// sync flush ends on a byte boundary with no final block, and a fresh compressor's blocks simply
/// follow — it only loses the history the next response could have referred back to.
/// </summary>
internal sealed class DeflateOutputStream(Stream inner) : WriteOnlyStream
{
    private readonly Sink _sink = new(inner);
    private DeflateStream? _deflate;
    private bool _unflushed;

    /// <summary>True while a compressor is held (tests measure idle memory by it).</summary>
    internal bool Holding => _deflate is not null;

    private DeflateStream Compressor => _deflate ??= new DeflateStream(_sink, CompressionLevel.Fastest, leaveOpen: true);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _unflushed = true;
        Compressor.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _unflushed = true;
        await Compressor.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_deflate is not null)
        {
            await _deflate.FlushAsync(cancellationToken).ConfigureAwait(false); // Z_SYNC_FLUSH
        }
        _unflushed = false;
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Drops the compressor if everything written has been flushed (the session waits for the client).</summary>
    public void Release()
    {
        if (_deflate is null || _unflushed)
        {
            return;
        }
        // Disposing writes a final block: it must not reach the client, whose stream goes on.
        _sink.Discarding = true;
        try
        {
            _deflate.Dispose();
        }
        finally
        {
            _deflate = null;
            _sink.Discarding = false;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Release();
            _deflate?.Dispose();
            _deflate = null;
        }
        base.Dispose(disposing);
    }

    /// <summary>Where the compressor writes: the transport, or nowhere while a released compressor closes.</summary>
    private sealed class Sink(Stream inner) : WriteOnlyStream
    {
        public bool Discarding { get; set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (!Discarding)
            {
                inner.Write(buffer);
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            Discarding ? ValueTask.CompletedTask : inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // the outer stream flushes the transport

        public override void Flush()
        {
        }
    }
}

/// <summary>What every stream that only writes says about reading and seeking.</summary>
internal abstract class WriteOnlyStream : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

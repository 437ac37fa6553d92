namespace Serverless.Listeners.Caching;

/// <summary>
/// A message blob's download that keeps a copy of what passes through it, so the next reader of
/// the same message (another client, a re-download, RETR after TOP) reads no blob: once exactly
/// <c>size</c> bytes and then the end were read, the copy goes into the <see cref="MessageCache"/>.
/// A reader that stops early (TOP) leaves the rest to <see cref="DisposeAsync"/>, which reads it
/// from the same response (a small message's bytes are on their way anyway). A blob of another
/// length than its row says, or a failed read, keeps nothing; what the reader gets never changes.
/// </summary>
internal sealed class KeepingMessageStream : Stream
{
    private readonly Stream _inner;
    private readonly MessageCache _cache;
    private readonly string _blobName;
    private readonly CancellationToken _cancellationToken;
    private byte[]? _copy; // null once there is nothing (more) to keep
    private int _filled;

    public KeepingMessageStream(Stream inner, MessageCache cache, string blobName, int size, CancellationToken cancellationToken)
    {
        _inner = inner;
        _cache = cache;
        _blobName = blobName;
        _cancellationToken = cancellationToken;
        _copy = GC.AllocateUninitializedArray<byte>(size);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken);
        }
        catch
        {
            _copy = null;
            throw;
        }
        Keep(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch
        {
            _copy = null;
            throw;
        }
        Keep(buffer[..read]);
        return read;
    }

    private void Keep(ReadOnlySpan<byte> read)
    {
        if (_copy is not { } copy)
        {
            return;
        }
        if (read.IsEmpty)
        {
            Ended(copy);
        }
        else if (read.Length > copy.Length - _filled)
        {
            _copy = null; // larger than its row says: not what a reader of this row expects
        }
        else
        {
            read.CopyTo(copy.AsSpan(_filled));
            _filled += read.Length;
        }
    }

    private void Ended(byte[] copy)
    {
        if (_filled == copy.Length)
        {
            _cache.SetBytes(_blobName, copy);
        }
        _copy = null;
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            // The reader stopped before the end (TOP): read the rest into the copy, so the message is kept whole.
            var probe = new byte[1];
            while (_copy is { } copy)
            {
                var room = _filled < copy.Length;
                var read = await _inner.ReadAsync(room ? copy.AsMemory(_filled) : probe, _cancellationToken);
                if (read == 0)
                {
                    Ended(copy);
                }
                else if (room)
                {
                    _filled += read;
                }
                else
                {
                    _copy = null;
                }
            }
        }
        catch (Exception)
        {
            // Keeping is a bonus: a download that fails now (the client gone, storage) keeps nothing.
            _copy = null;
        }
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _copy = null;
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

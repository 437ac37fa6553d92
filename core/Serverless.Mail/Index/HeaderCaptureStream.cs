namespace Serverless.Mail.Index;

/// <summary>
/// A read-only pass-through stream that remembers the first bytes read through it. The memory is
/// rented (every arriving message is summarised, and a fresh 32 KiB array each time was a sixth of
/// what the MX allocated per message): dispose the stream once <see cref="Captured"/> is read.
/// </summary>
internal sealed class HeaderCaptureStream(Stream inner, int limit) : Stream
{
    private byte[] _captured = System.Buffers.ArrayPool<byte>.Shared.Rent(limit);
    private int _filled;

    public ReadOnlyMemory<byte> Captured => _captured.AsMemory(0, _filled);

    protected override void Dispose(bool disposing)
    {
        if (disposing && _captured.Length > 0)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_captured);
            _captured = [];
            _filled = 0;
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        Keep(buffer.AsSpan(offset, n));
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Keep(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Keep(ReadOnlySpan<byte> data)
    {
        var n = Math.Min(data.Length, Math.Min(limit, _captured.Length) - _filled);
        if (n > 0)
        {
            data[..n].CopyTo(_captured.AsSpan(_filled));
            _filled += n;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using System.IO.Compression;

namespace Serverless.Testing.Raw;

/// <summary>A client's side of RFC 4978 COMPRESS=DEFLATE: raw deflate both ways, each send sync-flushed.</summary>
internal sealed class DeflateDuplexStream(Stream inner) : Stream
{
    private readonly DeflateStream _in = new(inner, CompressionMode.Decompress, leaveOpen: true);
    private readonly DeflateStream _out = new(inner, CompressionLevel.Optimal, leaveOpen: true);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _in.ReadAsync(buffer, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _out.WriteAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _out.Write(buffer, offset, count);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _out.FlushAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _in.Dispose();
            _out.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

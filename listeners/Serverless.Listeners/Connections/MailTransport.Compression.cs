using System.IO.Compression;
using System.IO.Pipelines;

namespace Serverless.Listeners.Connections;

/// <summary>RFC 4978 COMPRESS=DEFLATE: layered over whatever the connection is now (plain or TLS), the way STARTTLS layers TLS.</summary>
public sealed partial class MailTransport
{
    private DeflateStream? _inflate;
    private DeflateOutputStream? _deflate;
    private (PipeReader Input, PipeWriter Output) _belowDeflate;

    /// <summary>True once COMPRESS DEFLATE is in effect.</summary>
    public bool IsCompressed => _deflate is not null;

    /// <summary>True while the sending side holds a compressor.</summary>
    internal bool HoldsCompressor => _deflate?.Holding == true;

    /// <summary>
    /// Sends the tagged OK uncompressed (<paramref name="sendReply"/> writes and flushes it), then
    /// both directions become raw deflate. Input already buffered after the command is the client's
    /// first compressed bytes and is read through the inflater like the rest.
    /// </summary>
    public async Task StartDeflateAsync(Func<CancellationToken, ValueTask> sendReply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sendReply);
        if (IsCompressed)
        {
            throw new InvalidOperationException("Compression is already active.");
        }
        await sendReply(cancellationToken).ConfigureAwait(false);
        _belowDeflate = (Input, Output);
        var below = new DuplexPipeStream(Input, Output);
        _inflate = new DeflateStream(below, CompressionMode.Decompress, leaveOpen: true);
        _deflate = new DeflateOutputStream(below);
        // Zero-byte reads, as for TLS: an idle session holds no pipe buffer until the client sends.
        Input = PipeReader.Create(_inflate, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(_deflate, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>The session is about to wait for the client: the compressor's state can go (see <see cref="DeflateOutputStream"/>).</summary>
    public void ReleaseIdleCompressor() => _deflate?.Release();

    private async ValueTask DisposeCompressionAsync()
    {
        if (_deflate is null)
        {
            return;
        }
        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        await _deflate.DisposeAsync().ConfigureAwait(false);
        if (_inflate is not null)
        {
            await _inflate.DisposeAsync().ConfigureAwait(false);
        }
        (Input, Output) = _belowDeflate; // what TLS, if any, still has to complete
    }
}

using System.Buffers;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Serverless.Mail.Messages;

/// <summary>
/// Streams a message into a block blob with bounded memory. A message that fits in one buffer
/// costs a single Put Blob (one transaction); a larger one is staged as blocks of the buffer
/// size and committed with one Put Block List. Memory per writer is one pooled buffer whatever
/// the message size. Until <see cref="CommitAsync"/> succeeds nothing is visible: uncommitted
/// blocks are discarded by the service after a week and never show up as a blob. A full buffer is
/// staged only when more bytes follow, so a message exactly the buffer's size is still one Put Blob.
/// </summary>
public sealed class SpoolBlobStream : Stream
{
    public const int DefaultBufferSize = 1024 * 1024;

    private readonly BlockBlobClient _blob;
    private readonly List<string> _blockIds = [];
    private byte[]? _buffer;
    private readonly bool _pooled;
    private int _filled;
    private long _length;
    private bool _committed;
    private bool _disposed;

    internal SpoolBlobStream(BlockBlobClient blob, int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 4096);
        _blob = blob;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        _pooled = true;
    }

    /// <summary>
    /// A writer for a message whose stored length is known: its bytes go into <paramref name="exact"/>,
    /// an array of exactly that length that is not the pool's, so once committed by one Put Blob it
    /// can be handed on (<see cref="TakeCommittedBytes"/>) instead of copied.
    /// </summary>
    internal SpoolBlobStream(BlockBlobClient blob, byte[] exact)
    {
        ArgumentNullException.ThrowIfNull(exact);
        _blob = blob;
        _buffer = exact;
    }

    public string BlobName => _blob.Name;

    /// <summary>
    /// Commit even a small message as a block list: set when a later step puts a block in front of
    /// it (the ingest's Authentication-Results for a message the listener could not check in memory),
    /// which a blob written by a single Put Blob does not allow.
    /// </summary>
    public bool CommitAsBlockList { get; set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_committed && !_disposed;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _buffer is null, this);
        if (_committed)
        {
            throw new InvalidOperationException("The blob is already committed.");
        }
        while (!source.IsEmpty)
        {
            if (_filled == _buffer.Length)
            {
                await StageBufferAsync(cancellationToken).ConfigureAwait(false);
            }
            var n = Math.Min(source.Length, _buffer.Length - _filled);
            source[..n].CopyTo(_buffer.AsMemory(_filled));
            _filled += n;
            _length += n;
            source = source[n..];
        }
    }

    /// <summary>
    /// The blob's bytes, once committed by a single Put Blob into a buffer of exactly their length
    /// (the <c>exact</c> constructor): the array itself, which this writer then lets go of; null otherwise.
    /// </summary>
    public byte[]? TakeCommittedBytes()
    {
        if (!_committed || _pooled || _blockIds.Count > 0 || _buffer is not { } bytes || _filled != bytes.Length)
        {
            return null;
        }
        _buffer = null;
        return bytes;
    }

    /// <summary>Makes the blob durable and visible. Returns its length in bytes.</summary>
    public async Task<long> CommitAsync(IDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _buffer is null, this);
        var headers = new BlobHttpHeaders { ContentType = "message/rfc822" };
        try
        {
            if (_blockIds.Count == 0 && !CommitAsBlockList)
            {
                using var ms = new MemoryStream(_buffer, 0, _filled, writable: false);
                await _blob.UploadAsync(ms, new BlobUploadOptions
                {
                    HttpHeaders = headers,
                    Metadata = metadata,
                    Conditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All },
                }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (_filled > 0)
                {
                    await StageBufferAsync(cancellationToken).ConfigureAwait(false);
                }
                await _blob.CommitBlockListAsync(_blockIds, new CommitBlockListOptions
                {
                    HttpHeaders = headers,
                    Metadata = metadata,
                    Conditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All },
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            // The SDK retries a commit whose answer was lost (a timeout); if the first attempt had
            // taken effect, the retry finds the blob. That is success, not a reason to answer 451.
            if (!await IsOwnCommitAsync(cancellationToken).ConfigureAwait(false))
            {
                throw;
            }
        }
        _committed = true;
        return _length;
    }

    /// <summary>
    /// Blob names are generated for one message and written once, so a blob already there with
    /// exactly our length is our own earlier attempt (Put Blob and Put Block List are atomic).
    /// </summary>
    private async Task<bool> IsOwnCommitAsync(CancellationToken cancellationToken)
    {
        var properties = await _blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return properties.Value.ContentLength == _length;
    }

    private async Task StageBufferAsync(CancellationToken cancellationToken)
    {
        var id = Convert.ToBase64String(BitConverter.GetBytes(_blockIds.Count).Concat(new byte[4]).ToArray());
        using (var ms = new MemoryStream(_buffer!, 0, _filled, writable: false))
        {
            await _blob.StageBlockAsync(id, ms, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        _blockIds.Add(id);
        _filled = 0;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && _buffer is not null)
        {
            if (_pooled)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = null;
        }
        _disposed = true;
        base.Dispose(disposing);
    }
}

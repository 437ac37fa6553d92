namespace Serverless.Listeners.Pop3;

/// <summary>
/// One message fetched ahead into memory for a serial client: its bytes (once downloaded), its
/// reservation in the session's and the process's budgets, and a way to stop the download.
/// The reservation is released exactly once: when the message stream handed to the session is
/// disposed (sent), or when the entry is dropped unused.
/// </summary>
internal sealed class Pop3Prefetch
{
    private readonly CancellationTokenSource _cancel;
    private readonly Action<long> _release;
    private int _released;

    private Pop3Prefetch(long size, CancellationTokenSource cancel, Action<long> release)
    {
        Size = size;
        _cancel = cancel;
        _release = release;
        Bytes = Task.FromResult(ReadOnlyMemory<byte>.Empty);
    }

    public long Size { get; }

    public Task<ReadOnlyMemory<byte>> Bytes { get; private set; }

    /// <summary>
    /// Starts downloading a message of the listed <paramref name="size"/> (already reserved); a
    /// download of exactly that size is given to <paramref name="downloaded"/> too (the message cache).
    /// </summary>
    public static Pop3Prefetch Start(Func<CancellationToken, Task<Stream>> open, long size, Action<long> release, CancellationToken sessionEnded, Action<byte[]>? downloaded = null)
    {
        var prefetch = new Pop3Prefetch(size, CancellationTokenSource.CreateLinkedTokenSource(sessionEnded), release);
        prefetch.Bytes = Task.Run(() => DownloadAsync(open, size, downloaded, prefetch._cancel.Token));
        return prefetch;
    }

    /// <summary>The message as a stream once downloaded; disposing it releases the reservation.</summary>
    public async Task<Stream> OpenAsync() => new PrefetchedMessageStream(await Bytes, Release);

    /// <summary>
    /// Releases the reservation at once — so a serial client's window moves on at the RETR that
    /// dropped this entry, not when a download still in flight notices its cancellation — then
    /// stops the download and waits for it (its buffer is garbage as soon as its read returns).
    /// </summary>
    public async Task DropAsync()
    {
        var mine = ReleaseReservation();
        await _cancel.CancelAsync();
        try
        {
            await Bytes;
        }
        catch (Exception)
        {
            // Unused: whatever went wrong does not matter to anyone.
        }
        if (mine)
        {
            _cancel.Dispose();
        }
    }

    public void Release()
    {
        if (ReleaseReservation())
        {
            _cancel.Dispose();
        }
    }

    private bool ReleaseReservation()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return false;
        }
        _release(Size);
        return true;
    }

    private static async Task<ReadOnlyMemory<byte>> DownloadAsync(Func<CancellationToken, Task<Stream>> open, long size, Action<byte[]>? downloaded, CancellationToken ct)
    {
        await using var stream = await open(ct);
        var buffer = new byte[size];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), ct);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        if (total == buffer.Length && await stream.ReadAsync(new byte[1], ct) != 0)
        {
            // Larger than listed: not what was reserved; the foreground download sends it as it is.
            throw new InvalidDataException("The message blob is larger than its listed size.");
        }
        if (total == buffer.Length)
        {
            downloaded?.Invoke(buffer);
        }
        return buffer.AsMemory(0, total);
    }

    private sealed class PrefetchedMessageStream(ReadOnlyMemory<byte> bytes, Action release) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var take = Math.Min(buffer.Length, bytes.Length - _position);
            bytes.Span.Slice(_position, take).CopyTo(buffer);
            _position += take;
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                release();
            }
            base.Dispose(disposing);
        }
    }
}

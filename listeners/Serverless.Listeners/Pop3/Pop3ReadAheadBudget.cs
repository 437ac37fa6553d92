namespace Serverless.Listeners.Pop3;

/// <summary>
/// The bytes all POP3 sessions of a process may hold in read-ahead buffers at once
/// (<c>Mail:Pop3:ReadAheadMaxBytes</c>). A session reserves a message's size before it starts
/// fetching it and releases it when the message has been sent or dropped; what does not fit is
/// simply not fetched ahead, so the bound holds whatever the number of clients.
/// </summary>
public sealed class Pop3ReadAheadBudget(long maxBytes)
{
    private long _reserved;
    private long _peak;

    public long MaxBytes { get; } = maxBytes;

    /// <summary>Bytes reserved now.</summary>
    public long Reserved => Interlocked.Read(ref _reserved);

    /// <summary>The most ever reserved at once (for tests and diagnostics).</summary>
    public long Peak => Interlocked.Read(ref _peak);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var current = Interlocked.Read(ref _reserved);
            if (current + bytes > MaxBytes)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _reserved, current + bytes, current) == current)
            {
                var now = current + bytes;
                long peak;
                while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
                {
                }
                return true;
            }
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _reserved, -bytes);
}

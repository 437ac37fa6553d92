using System.Buffers;

namespace Serverless.Protocols.Smtp;

/// <summary>
/// Takes exactly the announced number of octets of one BDAT chunk (RFC 3030 2) from whatever
/// input arrives, in as many pieces as it comes. The octets are message content as is: no
/// dot-stuffing, no end marker.
/// </summary>
public sealed class BdatChunkReader(long size)
{
    public long Remaining { get; private set; } = size;

    public bool IsComplete => Remaining == 0;

    /// <summary>The part of <paramref name="input"/> that belongs to this chunk (possibly empty); the caller consumes exactly that.</summary>
    public ReadOnlySequence<byte> Take(ReadOnlySequence<byte> input)
    {
        var n = Math.Min(Remaining, input.Length);
        Remaining -= n;
        return input.Slice(0, n);
    }
}

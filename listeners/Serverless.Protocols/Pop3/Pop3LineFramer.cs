using System.Buffers;

namespace Serverless.Protocols.Pop3;

public enum Pop3LineStatus
{
    /// <summary>A whole line was found.</summary>
    Complete,

    /// <summary>No line end yet: read more input and try again with the larger buffer.</summary>
    NeedMoreData,

    /// <summary>The line is longer than allowed: a protocol violation.</summary>
    TooLong,
}

/// <summary>
/// Finds the next CRLF-terminated line in buffered input without copying it. Bare LF is accepted
/// as a line end as well (some clients send it), and the CR is not part of the line.
/// </summary>
public static class Pop3LineFramer
{
    /// <param name="buffer">Input received so far.</param>
    /// <param name="maxLength">The longest line allowed, without its CRLF.</param>
    /// <param name="line">The line without its line end (on <see cref="Pop3LineStatus.Complete"/>).</param>
    /// <param name="next">Where the following line starts (on <see cref="Pop3LineStatus.Complete"/>).</param>
    public static Pop3LineStatus TryReadLine(in ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line, out SequencePosition next)
    {
        line = default;
        next = buffer.Start;
        // Look no further than the bound, so a flood without line ends costs nothing but the bound.
        var window = buffer.Length > maxLength + 2 ? buffer.Slice(0, maxLength + 2) : buffer;
        var lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            return buffer.Length > maxLength + 1 ? Pop3LineStatus.TooLong : Pop3LineStatus.NeedMoreData;
        }
        var content = buffer.Slice(0, lf.Value);
        if (content.Length > 0 && EndsWithCr(content))
        {
            content = content.Slice(0, content.Length - 1);
        }
        if (content.Length > maxLength)
        {
            return Pop3LineStatus.TooLong;
        }
        line = content;
        next = buffer.GetPosition(1, lf.Value);
        return Pop3LineStatus.Complete;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> content)
    {
        if (content.IsSingleSegment)
        {
            return content.FirstSpan[^1] == (byte)'\r';
        }
        return content.Slice(content.Length - 1).FirstSpan[0] == (byte)'\r';
    }
}

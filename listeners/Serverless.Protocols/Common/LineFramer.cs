using System.Buffers;

namespace Serverless.Protocols.Common;

public enum LineStatus
{
    /// <summary>A whole line was found.</summary>
    Complete,

    /// <summary>No line end yet: read more input and try again with the larger buffer.</summary>
    NeedMoreData,

    /// <summary>The line is longer than allowed: a protocol violation.</summary>
    TooLong,
}

/// <summary>
/// Finds the next command line in buffered input without copying it; the one line reader of the
/// SMTP, IMAP and POP3 sessions (IMAP's framer uses it for the line part of a command).
/// <code>
/// ; RFC 5321 2.3.8, RFC 3501 2.2, RFC 1939 3: a line ends with CRLF
/// line      = *OCTET CRLF
/// ; leniency: a bare LF ends a line as well (some clients send it); the CR is not part of the line
/// ; bound: the octets before the LF (a CR included) are at most maxLength
/// </code>
/// The bound counts the CR because that is what every session counted before there was one
/// framer; only the content is handed back.
/// </summary>
public static class LineFramer
{
    /// <param name="buffer">Input received so far.</param>
    /// <param name="maxLength">The most octets allowed before the LF, the CR included.</param>
    /// <param name="line">The line without its line end (on <see cref="LineStatus.Complete"/>).</param>
    /// <param name="next">
    /// Where the following line starts (on <see cref="LineStatus.Complete"/>); on
    /// <see cref="LineStatus.TooLong"/>, just after the overlong line's LF if the buffer holds it,
    /// else the end of the buffer (everything received belongs to the overlong line).
    /// </param>
    public static LineStatus TryReadLine(in ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line, out SequencePosition next)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        line = default;
        next = buffer.Start;
        // Look no further than the bound, so a flood without line ends costs nothing but the bound.
        var window = buffer.Length > maxLength + 1L ? buffer.Slice(0, maxLength + 1L) : buffer;
        var lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            if (buffer.Length <= maxLength)
            {
                return LineStatus.NeedMoreData;
            }
            var beyond = buffer.PositionOf((byte)'\n');
            next = beyond is { } end ? buffer.GetPosition(1, end) : buffer.End;
            return LineStatus.TooLong;
        }
        var content = buffer.Slice(0, lf.Value);
        next = buffer.GetPosition(1, lf.Value);
        if (content.Length > 0 && EndsWithCr(content))
        {
            content = content.Slice(0, content.Length - 1);
        }
        line = content;
        return LineStatus.Complete;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> content) =>
        (content.IsSingleSegment ? content.FirstSpan[^1] : content.Slice(content.Length - 1).FirstSpan[0]) == (byte)'\r';
}

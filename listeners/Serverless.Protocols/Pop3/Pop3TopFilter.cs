namespace Serverless.Protocols.Pop3;

/// <summary>
/// Decides, chunk by chunk, how much of a streamed message TOP sends: the header, the blank line
/// that ends it and then <c>n</c> lines of the body (RFC 1939 section 7). Pure and incremental:
/// feed chunks until <see cref="IsComplete"/>, send the first <c>Take</c> bytes of each, and
/// stop reading the message as soon as it is complete. A message without a body is sent whole.
/// <code>
/// top-response = header CRLF n(body-line)      ; fewer body lines if the message is shorter
/// body-line    = *OCTET LF                     ; lines end at LF (CRLF in stored messages)
/// </code>
/// </summary>
public sealed class Pop3TopFilter
{
    private bool _inHeader = true;
    private bool _atLineStart = true;
    private bool _crAtLineStart;
    private int _linesLeft;

    public Pop3TopFilter(int bodyLines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bodyLines);
        _linesLeft = bodyLines;
    }

    public bool IsComplete { get; private set; }

    /// <summary>How many bytes at the start of <paramref name="chunk"/> belong to the response.</summary>
    public int Take(ReadOnlySpan<byte> chunk)
    {
        var i = 0;
        while (i < chunk.Length && !IsComplete)
        {
            if (_inHeader)
            {
                i = ScanHeader(chunk, i);
            }
            else if (_linesLeft == 0)
            {
                IsComplete = true;
            }
            else
            {
                var lf = chunk[i..].IndexOf((byte)'\n');
                if (lf < 0)
                {
                    return chunk.Length;
                }
                i += lf + 1;
                _linesLeft--;
            }
        }
        if (!_inHeader && _linesLeft == 0)
        {
            IsComplete = true;
        }
        return i;
    }

    /// <summary>Advances through header lines from <paramref name="i"/>; leaves the header state when the blank line is passed.</summary>
    private int ScanHeader(ReadOnlySpan<byte> chunk, int i)
    {
        while (i < chunk.Length)
        {
            if (_crAtLineStart)
            {
                // The previous chunk ended with a CR at the start of a line.
                _crAtLineStart = false;
                if (chunk[i] == (byte)'\n')
                {
                    _inHeader = false;
                    return i + 1;
                }
                _atLineStart = false;
            }
            else if (_atLineStart)
            {
                if (chunk[i] == (byte)'\n')
                {
                    _inHeader = false;
                    return i + 1;
                }
                if (chunk[i] == (byte)'\r')
                {
                    if (i + 1 == chunk.Length)
                    {
                        _crAtLineStart = true;
                        return i + 1;
                    }
                    if (chunk[i + 1] == (byte)'\n')
                    {
                        _inHeader = false;
                        return i + 2;
                    }
                }
                _atLineStart = false;
            }
            var lf = chunk[i..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                return chunk.Length;
            }
            i += lf + 1;
            _atLineStart = true;
        }
        return i;
    }
}

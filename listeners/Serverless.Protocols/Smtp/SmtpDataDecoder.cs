namespace Serverless.Protocols.Smtp;

public enum DataDecodeStatus
{
    /// <summary>All input was consumed; the end of data has not been seen yet.</summary>
    NeedMoreData,

    /// <summary>The terminating CRLF "." CRLF was consumed; nothing after it was touched.</summary>
    Complete,

    /// <summary>
    /// A CR not followed by LF, or an LF not preceded by CR. Such data is refused: servers that
    /// read "\n.\n" or "\r.\r" as the end of data let senders smuggle a second message past the
    /// first one's checks (SMTP smuggling, CVE-2023-51766 and its kin).
    /// </summary>
    BareLineEnding,
}

/// <summary>
/// Incremental decoder for the DATA body. RFC 5321 4.1.1.4 and 4.5.2:
/// <code>
/// data-body  = *( line ) "." CRLF        ; the terminating line; its leading CRLF may end the DATA command
/// line       = [ "." ] text CRLF         ; a leading "." is removed (transparency / dot-unstuffing)
/// </code>
/// CR and LF may only occur as the pair CRLF (RFC 5321 2.3.8). No I/O: the caller feeds what it
/// has and writes out what the decoder hands back; memory use does not depend on line or message length.
/// </summary>
public sealed class SmtpDataDecoder
{
    private enum State
    {
        StartOfLine,
        InLine,
        SawCr,
        DotAtStart,
        DotCr,
        Done,
        Failed,
    }

    private readonly int _maxLineLength;
    private State _state = State.StartOfLine;
    private int _lineLength;

    /// <param name="maxLineLength">Longest accepted text line (without CRLF); longer lines set <see cref="LineTooLong"/> but decoding goes on.</param>
    public SmtpDataDecoder(int maxLineLength) => _maxLineLength = maxLineLength;

    /// <summary>A line exceeded the maximum length; the caller should refuse the message once it ends.</summary>
    public bool LineTooLong { get; private set; }

    /// <summary>Message octets produced so far (after unstuffing).</summary>
    public long DecodedLength { get; private set; }

    /// <summary>
    /// Decodes from <paramref name="input"/> into <paramref name="output"/>, which must be at least
    /// <c>input.Length + 2</c> bytes long (a CR held back from the previous call is written with its LF).
    /// </summary>
    public DataDecodeStatus Decode(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        if (output.Length < input.Length + 2)
        {
            throw new ArgumentException("The output must be at least two bytes longer than the input.", nameof(output));
        }
        consumed = 0;
        written = 0;
        if (_state == State.Done)
        {
            return DataDecodeStatus.Complete;
        }
        if (_state == State.Failed)
        {
            return DataDecodeStatus.BareLineEnding;
        }
        var i = 0;
        var w = 0;
        var status = DataDecodeStatus.NeedMoreData;
        while (i < input.Length)
        {
            switch (_state)
            {
                case State.StartOfLine:
                    if (input[i] == (byte)'.')
                    {
                        _state = State.DotAtStart;
                        i++;
                        continue;
                    }
                    _state = State.InLine;
                    continue;
                case State.InLine:
                {
                    // Copy the run of ordinary bytes up to the next CR or LF in one go.
                    var rest = input[i..];
                    var stop = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    var run = stop < 0 ? rest.Length : stop;
                    rest[..run].CopyTo(output[w..]);
                    w += run;
                    i += run;
                    Count(run);
                    if (stop < 0)
                    {
                        continue;
                    }
                    if (input[i] == (byte)'\n')
                    {
                        return Fail(i, w, out consumed, out written);
                    }
                    _state = State.SawCr;
                    i++;
                    continue;
                }
                case State.SawCr:
                    if (input[i] != (byte)'\n')
                    {
                        return Fail(i, w, out consumed, out written);
                    }
                    output[w++] = (byte)'\r';
                    output[w++] = (byte)'\n';
                    i++;
                    _lineLength = 0;
                    _state = State.StartOfLine;
                    continue;
                case State.DotAtStart:
                    if (input[i] == (byte)'\r')
                    {
                        _state = State.DotCr;
                        i++;
                        continue;
                    }
                    // A stuffed dot: drop it and treat the rest as an ordinary line (a bare LF is caught there).
                    _state = State.InLine;
                    continue;
                case State.DotCr:
                    if (input[i] != (byte)'\n')
                    {
                        return Fail(i, w, out consumed, out written);
                    }
                    i++;
                    _state = State.Done;
                    status = DataDecodeStatus.Complete;
                    break;
            }
            break;
        }
        consumed = i;
        written = w;
        DecodedLength += w;
        return status;
    }

    private void Count(int n)
    {
        _lineLength += n;
        if (_lineLength > _maxLineLength)
        {
            LineTooLong = true;
        }
    }

    private DataDecodeStatus Fail(int i, int w, out int consumed, out int written)
    {
        _state = State.Failed;
        consumed = i;
        written = w;
        DecodedLength += w;
        return DataDecodeStatus.BareLineEnding;
    }
}

using System.Buffers;
using System.Text;

namespace Serverless.Protocols.ManageSieve;

/// <summary>What <see cref="ManageSieveParser.TryParse"/> found in the buffer.</summary>
public enum ManageSieveParseStatus
{
    /// <summary>A whole command; <c>consumed</c> is where the next one starts.</summary>
    Complete,

    /// <summary>The command is not all here yet.</summary>
    NeedMore,

    /// <summary>Bad syntax; the command's bytes up to its end of line are consumed (RFC 5804: answer NO, go on).</summary>
    Invalid,

    /// <summary>The line (outside literals) is longer than allowed: a protocol violation (BYE).</summary>
    LineTooLong,

    /// <summary>A literal is announced larger than allowed; <c>consumed</c> is where its data starts.</summary>
    LiteralTooLarge,
}

public readonly record struct ManageSieveParse(ManageSieveParseStatus Status, ManageSieveCommand? Command, string? Error, long LiteralLength = 0);

/// <summary>
/// Parses ManageSieve commands from the bytes received, with no I/O: complete, "need more data",
/// or an error with what to do. Grammar (RFC 5804 section 4):
/// <code>
/// command        = command-name *(SP argument) CRLF
/// command-name   = 1*ALPHA                      ; case-insensitive
/// argument       = string / number
/// string         = quoted / literal-c2s
/// quoted         = DQUOTE *1024QUOTED-CHAR DQUOTE
/// QUOTED-CHAR    = SAFE-UTF8-CHAR / "\" QUOTED-SPECIALS
/// QUOTED-SPECIALS = DQUOTE / "\"
/// literal-c2s    = "{" number "+}" CRLF *OCTET  ; "{" number "}" accepted the same way (older clients)
/// number         = 1*DIGIT                      ; 0 .. 4294967296
/// </code>
/// </summary>
public static class ManageSieveParser
{
    /// <summary>RFC 5804 4: quoted strings are at most 1024 octets.</summary>
    public const int MaxQuoted = 1024;

    public static ManageSieveParse TryParse(ReadOnlySequence<byte> buffer, int maxLine, long maxLiteral, out SequencePosition consumed) =>
        Parse(buffer, maxLine, maxLiteral, saslResponse: false, out consumed);

    /// <summary>
    /// A client's answer to a SASL challenge (RFC 5804 2.1): <c>string CRLF</c>, returned as a
    /// command with an empty name and that one string as its argument.
    /// </summary>
    public static ManageSieveParse TryParseSaslResponse(ReadOnlySequence<byte> buffer, int maxLine, long maxLiteral, out SequencePosition consumed) =>
        Parse(buffer, maxLine, maxLiteral, saslResponse: true, out consumed);

    private static ManageSieveParse Parse(ReadOnlySequence<byte> buffer, int maxLine, long maxLiteral, bool saslResponse, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        consumed = buffer.Start;
        var lineBytes = 0L;
        var name = new StringBuilder();
        while (!saslResponse && reader.TryPeek(out var c) && IsAlpha(c))
        {
            name.Append((char)char.ToUpperInvariant((char)c));
            reader.Advance(1);
        }
        var arguments = new List<ManageSieveArgument>();
        string? error = name.Length == 0 && !saslResponse ? "Expected a command name" : null;
        var first = saslResponse;
        while (error is null)
        {
            lineBytes = reader.Consumed;
            if (lineBytes > maxLine)
            {
                return TooLong(buffer, ref consumed);
            }
            if (!reader.TryPeek(out var next))
            {
                return NeedMore(buffer, maxLine, reader.Consumed);
            }
            if ((next == '\r' || next == '\n') && !(first && saslResponse))
            {
                if (next == '\r')
                {
                    if (!reader.TryPeek(1, out var lf))
                    {
                        return NeedMore(buffer, maxLine, reader.Consumed);
                    }
                    if (lf != '\n')
                    {
                        error = "Bare CR in command";
                        break;
                    }
                    reader.Advance(1);
                }
                reader.Advance(1);
                consumed = reader.Position;
                return new(ManageSieveParseStatus.Complete, new ManageSieveCommand(name.ToString(), arguments), null);
            }
            if (first)
            {
                first = false;
            }
            else if (next != ' ')
            {
                error = "Expected a space, a string or the end of the line";
                break;
            }
            else
            {
                reader.Advance(1);
            }
            if (!reader.TryPeek(out next))
            {
                return NeedMore(buffer, maxLine, reader.Consumed);
            }
            switch (next)
            {
                case (byte)'"':
                    var quoted = ReadQuoted(ref reader, out error);
                    if (quoted is null && error is null)
                    {
                        return NeedMore(buffer, maxLine, reader.Consumed);
                    }
                    if (quoted is not null)
                    {
                        arguments.Add(new(quoted, null, false));
                    }
                    break;
                case (byte)'{':
                    var header = ReadLiteralHeader(ref reader, out var length, out error);
                    if (!header && error is null)
                    {
                        return NeedMore(buffer, maxLine, reader.Consumed);
                    }
                    if (error is not null)
                    {
                        break;
                    }
                    if (length > maxLiteral)
                    {
                        consumed = reader.Position;
                        return new(ManageSieveParseStatus.LiteralTooLarge, null, $"Literal of {length} octets is larger than the {maxLiteral} allowed", length);
                    }
                    if (reader.Remaining < length)
                    {
                        return new(ManageSieveParseStatus.NeedMore, null, null);
                    }
                    var data = buffer.Slice(reader.Position, length);
                    reader.Advance(length);
                    if (!TryDecodeUtf8(data, out var text))
                    {
                        error = "A string must be UTF-8";
                        break;
                    }
                    arguments.Add(new(text, null, true));
                    // The literal's octets do not count toward the line limit.
                    maxLine += (int)Math.Min(int.MaxValue - maxLine, length);
                    break;
                case >= (byte)'0' and <= (byte)'9':
                    long number = 0;
                    while (reader.TryPeek(out var d) && d is >= (byte)'0' and <= (byte)'9')
                    {
                        number = (number * 10) + (d - '0');
                        reader.Advance(1);
                        if (number > 4294967296)
                        {
                            error = "Number too large";
                            break;
                        }
                    }
                    if (error is null)
                    {
                        arguments.Add(new(null, number, false));
                    }
                    break;
                default:
                    error = "Expected a string or a number";
                    break;
            }
        }
        return SkipLine(buffer, reader, maxLine, error, ref consumed);
    }

    /// <summary>After a syntax error: consume through the end of the line (a literal in it is not honoured).</summary>
    private static ManageSieveParse SkipLine(ReadOnlySequence<byte> buffer, SequenceReader<byte> reader, int maxLine, string error, ref SequencePosition consumed)
    {
        if (reader.TryAdvanceTo((byte)'\n'))
        {
            if (reader.Consumed > maxLine)
            {
                // The same answer as when the line arrives in pieces: too long, whatever else is wrong.
                return TooLong(buffer, ref consumed);
            }
            consumed = reader.Position;
            return new(ManageSieveParseStatus.Invalid, null, error);
        }
        return buffer.Length > maxLine ? TooLong(buffer, ref consumed) : new(ManageSieveParseStatus.NeedMore, null, null);
    }

    private static ManageSieveParse NeedMore(ReadOnlySequence<byte> buffer, int maxLine, long lineSoFar) =>
        lineSoFar > maxLine ? new(ManageSieveParseStatus.LineTooLong, null, "Line too long") : new(ManageSieveParseStatus.NeedMore, null, null);

    private static ManageSieveParse TooLong(ReadOnlySequence<byte> buffer, ref SequencePosition consumed)
    {
        consumed = buffer.End;
        return new(ManageSieveParseStatus.LineTooLong, null, "Line too long");
    }

    /// <summary>A quoted string, or null with no error when it is not complete yet.</summary>
    private static string? ReadQuoted(ref SequenceReader<byte> reader, out string? error)
    {
        error = null;
        reader.Advance(1);
        var bytes = new List<byte>();
        while (reader.TryRead(out var b))
        {
            if (b == '"')
            {
                var array = bytes.ToArray();
                if (!TryDecodeUtf8(new ReadOnlySequence<byte>(array), out var text))
                {
                    error = "A string must be UTF-8";
                    return null;
                }
                return text;
            }
            if (b is (byte)'\r' or (byte)'\n' or 0)
            {
                error = "Line ends and NUL are not allowed in a quoted string (use a literal)";
                reader.Rewind(1);
                return null;
            }
            if (b == '\\')
            {
                if (!reader.TryRead(out b))
                {
                    break;
                }
                if (b is not ((byte)'"' or (byte)'\\'))
                {
                    error = "Only \\\" and \\\\ may be escaped in a quoted string";
                    return null;
                }
            }
            bytes.Add(b);
            if (bytes.Count > MaxQuoted)
            {
                error = $"A quoted string may have at most {MaxQuoted} octets (use a literal)";
                return null;
            }
        }
        return null;
    }

    /// <summary>"{" number ["+"] "}" CRLF; false with no error when not complete yet.</summary>
    private static bool ReadLiteralHeader(ref SequenceReader<byte> reader, out long length, out string? error)
    {
        error = null;
        length = 0;
        reader.Advance(1);
        var digits = 0;
        while (reader.TryPeek(out var d) && d is >= (byte)'0' and <= (byte)'9')
        {
            length = (length * 10) + (d - '0');
            reader.Advance(1);
            if (++digits > 10)
            {
                error = "Literal length too large";
                return false;
            }
        }
        if (reader.TryPeek(out var plus) && plus == '+')
        {
            reader.Advance(1);
        }
        if (reader.Remaining < 3 && (!reader.TryPeek(out var close) || close == '}'))
        {
            return false;
        }
        if (digits == 0 || !reader.IsNext("}\r\n"u8, advancePast: true))
        {
            error = "Malformed literal: expected {n+} and CRLF";
            return false;
        }
        return true;
    }

    private static bool TryDecodeUtf8(ReadOnlySequence<byte> data, out string text)
    {
        try
        {
            text = new UTF8Encoding(false, true).GetString(data.IsSingleSegment ? data.FirstSpan : data.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    private static bool IsAlpha(byte c) => c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';
}

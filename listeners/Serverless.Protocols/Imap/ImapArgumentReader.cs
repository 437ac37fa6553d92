using System.Globalization;
using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// A cursor over a framed command's lines and literals that reads the basic RFC 3501 tokens.
/// Every method throws <see cref="ImapParseException"/> when the input does not match.
/// <code>
/// astring         = 1*ASTRING-CHAR / string
/// string          = quoted / literal
/// quoted          = DQUOTE *QUOTED-CHAR DQUOTE
/// QUOTED-CHAR     = &lt;any TEXT-CHAR except quoted-specials&gt; / "\" quoted-specials
/// literal         = "{" number ["+"] "}" CRLF *CHAR8
/// nstring         = string / nil
/// atom            = 1*ATOM-CHAR
/// number          = 1*DIGIT
/// nz-number       = digit-nz *DIGIT
/// </code>
/// </summary>
public sealed class ImapArgumentReader
{
    private const int MaxQuotedLength = 64 * 1024;
    private readonly IReadOnlyList<ImapFrameSegment> _segments;
    private int _segment;
    private int _pos;

    public ImapArgumentReader(ImapFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _segments = frame.Segments;
        if (_segments.Count == 0 || _segments[0].Kind != ImapSegmentKind.Text)
        {
            throw new ImapParseException("Empty command");
        }
    }

    private ReadOnlySpan<byte> Line => _segments[_segment].Data.Span;

    /// <summary>True when the whole command has been read.</summary>
    public bool AtEnd => _pos >= Line.Length && _segment == _segments.Count - 1;

    /// <summary>The next byte of the current line, or -1 at its end.</summary>
    public int Peek() => _pos < Line.Length ? Line[_pos] : -1;

    /// <summary>The byte <paramref name="offset"/> places ahead in the current line, or -1.</summary>
    public int Peek(int offset) => _pos + offset < Line.Length ? Line[_pos + offset] : -1;

    public bool TryConsume(char c)
    {
        if (Peek() == c)
        {
            _pos++;
            return true;
        }
        return false;
    }

    public void Expect(char c)
    {
        if (!TryConsume(c))
        {
            throw new ImapParseException(c == ' ' ? "Missing argument" : $"Expected '{c}'");
        }
    }

    public void ExpectSpace() => Expect(' ');

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw new ImapParseException("Unexpected extra arguments");
        }
    }

    /// <summary>Reads an atom (1*ATOM-CHAR).</summary>
    public string ReadAtom()
    {
        var start = _pos;
        var line = Line;
        while (_pos < line.Length && ImapChars.IsAtomChar(line[_pos]))
        {
            _pos++;
        }
        if (_pos == start)
        {
            throw new ImapParseException("Expected an atom");
        }
        return Encoding.ASCII.GetString(line[start.._pos]);
    }

    /// <summary>Reads characters while <paramref name="accept"/> says so (at least one).</summary>
    public string ReadWhile(Func<byte, bool> accept, string what)
    {
        ArgumentNullException.ThrowIfNull(accept);
        var start = _pos;
        var line = Line;
        while (_pos < line.Length && accept(line[_pos]))
        {
            _pos++;
        }
        if (_pos == start)
        {
            throw new ImapParseException("Expected " + what);
        }
        return Encoding.UTF8.GetString(line[start.._pos]);
    }

    /// <summary>If the next atom equals <paramref name="keyword"/> (any case) and ends there (or at "["), consumes it.</summary>
    public bool TryConsumeKeyword(string keyword)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        var line = Line;
        if (_pos + keyword.Length > line.Length)
        {
            return false;
        }
        for (var i = 0; i < keyword.Length; i++)
        {
            if (char.ToUpperInvariant((char)line[_pos + i]) != char.ToUpperInvariant(keyword[i]))
            {
                return false;
            }
        }
        var after = _pos + keyword.Length;
        // A longer atom does not match; "[" ends a keyword too, for BODY[ and BODY.PEEK[.
        if (after < line.Length && line[after] != (byte)'[' && ImapChars.IsAtomChar(line[after]) && ImapChars.IsAtomChar((byte)keyword[^1]))
        {
            return false;
        }
        _pos = after;
        return true;
    }

    public string ReadAstring() => Encoding.UTF8.GetString(ReadAstringBytes().Span);

    public ReadOnlyMemory<byte> ReadAstringBytes()
    {
        var c = Peek();
        if (c is '"' or '{')
        {
            return ReadStringBytes();
        }
        var start = _pos;
        var data = _segments[_segment].Data;
        var line = data.Span;
        while (_pos < line.Length && ImapChars.IsAstringChar(line[_pos]))
        {
            _pos++;
        }
        if (_pos == start)
        {
            throw new ImapParseException("Expected a string");
        }
        return data[start.._pos];
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadStringBytes().Span);

    /// <summary>string = quoted / literal (a buffered literal; see <see cref="ReadLiteralSegment"/> for streamed ones).</summary>
    public ReadOnlyMemory<byte> ReadStringBytes()
    {
        switch (Peek())
        {
            case '"':
                return ReadQuoted();
            case '{':
                var segment = ReadLiteralSegment();
                if (segment.Kind != ImapSegmentKind.Literal)
                {
                    throw new ImapParseException("Unexpected literal");
                }
                return segment.Data;
            default:
                throw new ImapParseException("Expected a quoted string or a literal");
        }
    }

    /// <summary>nstring = string / nil</summary>
    public string? ReadNString()
    {
        if (TryConsumeKeyword("NIL"))
        {
            return null;
        }
        return ReadString();
    }

    /// <summary>True if the next token is a literal (its announcement ends the current line).</summary>
    public bool AtLiteral => Peek() == '{' && _segment + 1 < _segments.Count && Line[^1] == (byte)'}' && Line.LastIndexOf((byte)'{') == _pos;

    /// <summary>The literal at the cursor without moving past it.</summary>
    public ImapFrameSegment PeekLiteralSegment() =>
        AtLiteral ? _segments[_segment + 1] : throw new ImapParseException("Expected a literal");

    /// <summary>Reads the literal at the cursor, whatever its kind (buffered or consumed by the session).</summary>
    public ImapFrameSegment ReadLiteralSegment()
    {
        if (!AtLiteral)
        {
            throw new ImapParseException("Expected a literal");
        }
        var literal = _segments[_segment + 1];
        _segment += 2;
        _pos = 0;
        if (_segment >= _segments.Count || _segments[_segment].Kind != ImapSegmentKind.Text)
        {
            throw new ImapParseException("Command ends inside a literal");
        }
        return literal;
    }

    private ReadOnlyMemory<byte> ReadQuoted()
    {
        Expect('"');
        var data = _segments[_segment].Data;
        var line = data.Span;
        var start = _pos;
        var escaped = false;
        while (_pos < line.Length && line[_pos] != '"')
        {
            if (line[_pos] == '\\')
            {
                escaped = true;
                _pos++;
                if (_pos >= line.Length || line[_pos] is not ((byte)'"' or (byte)'\\'))
                {
                    throw new ImapParseException("Invalid escape in quoted string");
                }
            }
            else if (line[_pos] is (byte)'\r' or (byte)'\n' or 0)
            {
                throw new ImapParseException("Invalid character in quoted string");
            }
            _pos++;
            if (_pos - start > MaxQuotedLength)
            {
                throw new ImapParseException("Quoted string too long");
            }
        }
        if (_pos >= line.Length)
        {
            throw new ImapParseException("Unterminated quoted string");
        }
        var raw = data[start.._pos];
        _pos++; // closing quote
        if (!escaped)
        {
            return raw;
        }
        var result = new byte[raw.Length];
        var n = 0;
        var span = raw.Span;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] == '\\')
            {
                i++;
            }
            result[n++] = span[i];
        }
        return result.AsMemory(0, n);
    }

    /// <summary>number = 1*DIGIT (unsigned, at most 63 bits).</summary>
    public long ReadNumber()
    {
        var line = Line;
        var start = _pos;
        while (_pos < line.Length && line[_pos] is >= (byte)'0' and <= (byte)'9')
        {
            _pos++;
        }
        if (_pos == start)
        {
            throw new ImapParseException("Expected a number");
        }
        if (_pos - start > 18 || !long.TryParse(line[start.._pos], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new ImapParseException("Number too large");
        }
        return value;
    }

    /// <summary>A 32-bit number (RFC 3501 number).</summary>
    public long ReadNumber32()
    {
        var n = ReadNumber();
        if (n > uint.MaxValue)
        {
            throw new ImapParseException("Number too large");
        }
        return n;
    }

    public long ReadNzNumber()
    {
        var n = ReadNumber32();
        if (n == 0)
        {
            throw new ImapParseException("Zero is not allowed here");
        }
        return n;
    }

    /// <summary>
    /// flag-list = "(" [flag *(SP flag)] ")"
    /// flag      = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
    /// </summary>
    public List<string> ReadFlagList()
    {
        Expect('(');
        var flags = new List<string>();
        while (!TryConsume(')'))
        {
            if (flags.Count > 0)
            {
                ExpectSpace();
            }
            flags.Add(ReadFlag());
        }
        return flags;
    }

    /// <summary>flag = "\" atom / atom  (system flags are returned in their canonical case).</summary>
    public string ReadFlag()
    {
        if (TryConsume('\\'))
        {
            var name = ReadAtom();
            return ImapFlags.Canonical("\\" + name) ?? throw new ImapParseException("Unknown system flag \\" + name);
        }
        // flag-keyword = atom, and "NIL is never used for any data item that takes the form of an
        // atom" (RFC 9051 4.5, RFC 3501 4.5): NIL here is the keyword NIL, as Dovecot and imaptest's nil test have it.
        return ReadAtom();
    }

    /// <summary>
    /// Mailbox names are UTF-8 (IMAP4rev2 enabled, RFC 9051 5.1) rather than modified UTF-7 (RFC 3501 5.1.3).
    /// </summary>
    public bool Utf8MailboxNames { get; init; }

    /// <summary>Reads a mailbox name: astring, with INBOX in any case meaning INBOX, decoded from modified UTF-7 (or UTF-8, see <see cref="Utf8MailboxNames"/>).</summary>
    public string ReadMailbox()
    {
        var raw = ReadAstring();
        return Utf8MailboxNames ? ImapMailboxName.FromUtf8Wire(raw) : ImapMailboxName.FromWire(raw);
    }

    /// <summary>A reference or LIST pattern as the client wrote it, decoded; null when it is not valid modified UTF-7.</summary>
    public string? DecodeListName(string wire) => Utf8MailboxNames ? wire.Normalize(NormalizationForm.FormC) : ImapMailboxName.DecodeModifiedUtf7(wire);

    /// <summary>list-mailbox = 1*list-char / string</summary>
    public string ReadListMailbox()
    {
        if (Peek() is '"' or '{')
        {
            return ReadString();
        }
        return ReadWhile(ImapChars.IsListChar, "a mailbox pattern");
    }

    /// <summary>A sequence set (see <see cref="SequenceSet"/>).</summary>
    public SequenceSet ReadSequenceSet()
    {
        var text = ReadWhile(c => c is (>= (byte)'0' and <= (byte)'9') or (byte)':' or (byte)',' or (byte)'*' or (byte)'$', "a sequence set");
        return SequenceSet.Parse(text);
    }

    /// <summary>Reads a parenthesized list of astrings (e.g. header-list).</summary>
    public List<string> ReadAstringList()
    {
        Expect('(');
        var items = new List<string>();
        while (!TryConsume(')'))
        {
            if (items.Count > 0)
            {
                ExpectSpace();
            }
            items.Add(ReadAstring());
        }
        return items;
    }
}

namespace Serverless.Protocols.Imap;

/// <summary>
/// APPEND with MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469): one mailbox, one or more messages,
/// each a literal or put together from text literals and IMAP URLs.
/// <code>
/// append         = "APPEND" SP mailbox 1*append-message
/// append-message = SP [flag-list SP] [date-time SP] append-data
/// append-data    = literal / literal8 / "CATENATE" SP "(" cat-part *(SP cat-part) ")"  ; literal8: RFC 3516
/// cat-part       = "TEXT" SP (literal / literal8) / "URL" SP astring
/// </code>
/// </summary>
public static class ImapAppendParser
{
    /// <summary>Messages in one APPEND; each is a blob until the command completes.</summary>
    public const int MaxMessages = 100;

    /// <summary>Parts of one CATENATE.</summary>
    public const int MaxCatenateParts = 50;

    private static readonly ImapFrameSegment NoLiteral = new(ImapSegmentKind.Text, ReadOnlyMemory<byte>.Empty);

    /// <summary>Reads what follows "APPEND SP".</summary>
    public static AppendArguments Parse(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var mailbox = r.ReadMailbox();
        var parts = new List<AppendPart>();
        do
        {
            if (parts.Count == MaxMessages)
            {
                throw new ImapParseException($"At most {MaxMessages} messages in one APPEND");
            }
            var (flags, date) = ReadMessageHead(r);
            parts.Add(r.TryConsumeKeyword("CATENATE")
                ? new AppendPart(flags, date, NoLiteral) { Catenate = ReadCatenate(r) }
                : new AppendPart(flags, date, ReadMessageLiteral(r)));
        }
        while (r.Peek() == ' ' && r.Peek(1) is '(' or '"' or '{' or '~' or 'C' or 'c'); // anything else: extra arguments
        return new AppendArguments(mailbox, parts[0].Flags, parts[0].InternalDate, parts[0].Message) { Parts = parts };
    }

    /// <summary>
    /// Reads an APPEND whose last literal is the one being announced (a segment whose External is
    /// <paramref name="probe"/>): the mailbox, that message's flags and date, how many messages
    /// came before it, and whether it is a CATENATE text part rather than a whole message. Null if
    /// the announced literal is neither (the mailbox name, a URL).
    /// </summary>
    public static (string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? Date, int Index, bool Catenate)? ReadUpTo(ImapArgumentReader r, object probe)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.AtLiteral && ReferenceEquals(r.PeekLiteralSegment().External, probe))
        {
            return null; // the mailbox name itself is this literal
        }
        var mailbox = r.ReadMailbox();
        for (var index = 0; index < MaxMessages; index++)
        {
            var (flags, date) = ReadMessageHead(r);
            if (r.TryConsumeKeyword("CATENATE"))
            {
                r.ExpectSpace();
                r.Expect('(');
                for (var part = 0; part < MaxCatenateParts; part++)
                {
                    if (part > 0 && !r.TryConsume(' '))
                    {
                        break;
                    }
                    var text = r.TryConsumeKeyword("TEXT");
                    if (!text && !r.TryConsumeKeyword("URL"))
                    {
                        return null;
                    }
                    r.ExpectSpace();
                    if (text)
                    {
                        r.TryConsume('~');
                    }
                    if (r.AtLiteral && ReferenceEquals(r.PeekLiteralSegment().External, probe))
                    {
                        return text ? (mailbox, flags, date, index, true) : null;
                    }
                    if (text)
                    {
                        r.ReadLiteralSegment();
                    }
                    else
                    {
                        r.ReadAstring();
                    }
                }
                r.Expect(')');
                continue;
            }
            r.TryConsume('~');
            if (!r.AtLiteral)
            {
                return null;
            }
            if (ReferenceEquals(r.ReadLiteralSegment().External, probe))
            {
                return (mailbox, flags, date, index, false);
            }
        }
        return null;
    }

    private static List<CatenatePart> ReadCatenate(ImapArgumentReader r)
    {
        r.ExpectSpace();
        r.Expect('(');
        var parts = new List<CatenatePart>();
        do
        {
            if (parts.Count == MaxCatenateParts)
            {
                throw new ImapParseException($"At most {MaxCatenateParts} parts in one CATENATE");
            }
            if (r.TryConsumeKeyword("TEXT"))
            {
                r.ExpectSpace();
                parts.Add(new CatenatePart(ReadMessageLiteral(r), null));
            }
            else if (r.TryConsumeKeyword("URL"))
            {
                r.ExpectSpace();
                parts.Add(new CatenatePart(null, r.ReadAstring()));
            }
            else
            {
                throw new ImapParseException("Expected TEXT or URL");
            }
        }
        while (r.TryConsume(' '));
        r.Expect(')');
        return parts;
    }

    /// <summary>RFC 3516 literal8 ("~{n}"): the same bytes, which may hold NUL; stored as they come.</summary>
    private static ImapFrameSegment ReadMessageLiteral(ImapArgumentReader r)
    {
        r.TryConsume('~');
        return r.ReadLiteralSegment();
    }

    private static (IReadOnlyList<string> Flags, DateTimeOffset? Date) ReadMessageHead(ImapArgumentReader r)
    {
        r.ExpectSpace();
        IReadOnlyList<string> flags = [];
        DateTimeOffset? date = null;
        if (r.Peek() == '(')
        {
            var list = r.ReadFlagList();
            if (list.Contains(ImapFlags.Recent))
            {
                throw new ImapParseException("\\Recent cannot be set");
            }
            flags = list;
            r.ExpectSpace();
        }
        if (r.Peek() == '"')
        {
            date = ImapDateTime.ParseDateTime(r.ReadString());
            r.ExpectSpace();
        }
        return (flags, date);
    }
}

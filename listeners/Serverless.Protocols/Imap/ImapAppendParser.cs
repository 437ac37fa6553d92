namespace Serverless.Protocols.Imap;

/// <summary>
/// APPEND with MULTIAPPEND (RFC 3502): one mailbox, one or more messages.
/// <code>
/// append         = "APPEND" SP mailbox 1*append-message
/// append-message = SP [flag-list SP] [date-time SP] literal        ; literal8 with BINARY (RFC 3516)
/// </code>
/// </summary>
public static class ImapAppendParser
{
    /// <summary>Messages in one APPEND; each is a blob until the command completes.</summary>
    public const int MaxMessages = 100;

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
            parts.Add(new AppendPart(flags, date, r.ReadLiteralSegment()));
        }
        while (r.Peek() == ' ' && r.Peek(1) is '(' or '"' or '{' or '~'); // anything else: extra arguments
        return new AppendArguments(mailbox, parts[0].Flags, parts[0].InternalDate, parts[0].Message) { Parts = parts };
    }

    /// <summary>
    /// Reads an APPEND whose last literal is the one being announced (a segment whose External is
    /// <paramref name="probe"/>): the mailbox, that message's flags and date, and how many
    /// messages came before it. Null if the announced literal is not a message.
    /// </summary>
    public static (string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? Date, int Index)? ReadUpTo(ImapArgumentReader r, object probe)
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
            if (!r.AtLiteral)
            {
                return null;
            }
            if (ReferenceEquals(r.ReadLiteralSegment().External, probe))
            {
                return (mailbox, flags, date, index);
            }
        }
        return null;
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
        // RFC 3516 literal8 ("~{n}"): the same bytes, which may hold NUL; stored as they come.
        r.TryConsume('~');
        return (flags, date);
    }
}

namespace Serverless.Protocols.Imap;

/// <summary>
/// LIST (RFC 3501, LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154) and LSUB.
/// <code>
/// list               = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
/// list-select-opts   = "(" [list-select-option *(SP list-select-option)] ")"
/// list-select-option = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH" / "SPECIAL-USE"
/// mbox-or-pat        = list-mailbox / patterns
/// patterns           = "(" list-mailbox *(SP list-mailbox) ")"
/// list-return-opts   = "RETURN" SP "(" [return-option *(SP return-option)] ")"
/// return-option      = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE" / "STATUS" SP "(" status-att *(SP status-att) ")"
/// lsub               = "LSUB" SP mailbox SP list-mailbox
/// </code>
/// </summary>
public static class ImapListParser
{
    public static ListArguments ParseList(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        bool extended = false, subscribed = false, recursive = false, specialUse = false;
        if (r.TryConsume('('))
        {
            extended = true;
            while (!r.TryConsume(')'))
            {
                r.TryConsume(' ');
                var option = r.ReadAtom().ToUpperInvariant();
                switch (option)
                {
                    case "SUBSCRIBED":
                        subscribed = true;
                        break;
                    case "RECURSIVEMATCH":
                        recursive = true;
                        break;
                    case "SPECIAL-USE":
                        specialUse = true;
                        break;
                    case "REMOTE":
                        break;
                    default:
                        throw new ImapParseException("Unknown LIST selection option " + option);
                }
            }
            if (recursive && !subscribed && !specialUse)
            {
                throw new ImapParseException("RECURSIVEMATCH needs another selection option");
            }
            r.ExpectSpace();
        }
        var reference = r.DecodeListName(r.ReadAstring());
        r.ExpectSpace();
        var patterns = new List<string>();
        if (r.TryConsume('('))
        {
            extended = true;
            do
            {
                AddPattern(r, patterns);
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        else
        {
            AddPattern(r, patterns);
        }
        bool returnSubscribed = false, returnChildren = false, returnSpecialUse = false;
        List<string>? status = null;
        if (r.TryConsume(' '))
        {
            extended = true;
            if (!r.TryConsumeKeyword("RETURN"))
            {
                throw new ImapParseException("Expected RETURN");
            }
            r.ExpectSpace();
            r.Expect('(');
            while (!r.TryConsume(')'))
            {
                r.TryConsume(' ');
                var option = r.ReadAtom().ToUpperInvariant();
                switch (option)
                {
                    case "SUBSCRIBED":
                        returnSubscribed = true;
                        break;
                    case "CHILDREN":
                        returnChildren = true;
                        break;
                    case "SPECIAL-USE":
                        returnSpecialUse = true;
                        break;
                    case "STATUS":
                        r.ExpectSpace();
                        status = ImapCommandParser.ReadStatusItems(r);
                        break;
                    default:
                        throw new ImapParseException("Unknown LIST return option " + option);
                }
            }
        }
        // A reference that is not valid modified UTF-7 makes every pattern unmatchable.
        return new ListArguments(reference ?? "", reference is null ? [] : patterns)
        {
            Extended = extended,
            SelectSubscribed = subscribed,
            SelectRecursiveMatch = recursive,
            SelectSpecialUse = specialUse,
            ReturnSubscribed = returnSubscribed || subscribed,
            ReturnChildren = returnChildren,
            ReturnSpecialUse = returnSpecialUse,
            ReturnStatus = status,
        };
    }

    public static ListArguments ParseLsub(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var reference = r.DecodeListName(r.ReadAstring());
        r.ExpectSpace();
        var patterns = new List<string>();
        AddPattern(r, patterns);
        return new ListArguments(reference ?? "", reference is null ? [] : patterns) { SelectSubscribed = true };
    }

    /// <summary>
    /// A pattern that is not valid modified UTF-7 can match no name (every stored name is), so it is
    /// left out and LIST answers OK with what the others match, as Dovecot does and imaptest's atoms
    /// test expects; the connection goes on. No pattern left: LIST answers OK and nothing else.
    /// </summary>
    private static void AddPattern(ImapArgumentReader r, List<string> patterns)
    {
        if (r.DecodeListName(r.ReadListMailbox()) is { } pattern)
        {
            patterns.Add(pattern);
        }
    }
}

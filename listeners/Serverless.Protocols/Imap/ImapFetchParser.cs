namespace Serverless.Protocols.Imap;

/// <summary>
/// FETCH arguments.
/// <code>
/// fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
///                   fetch-att / "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
/// fetch-att       = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
///                   "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
///                   "BODY" ["STRUCTURE"] / "UID" / "MODSEQ" / "EMAILID" / "THREADID" /  ; RFC 8474
///                   "BODY" section ["&lt;" number "." nz-number "&gt;"] /
///                   "BODY.PEEK" section ["&lt;" number "." nz-number "&gt;"]
/// section         = "[" [section-spec] "]"
/// section-spec    = section-msgtext / (section-part ["." section-text])
/// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
/// section-part    = nz-number *("." nz-number)
/// section-text    = section-msgtext / "MIME"
/// header-list     = "(" header-fld-name *(SP header-fld-name) ")"
/// header-fld-name = astring
/// fetch-att       =/ "BINARY" [".PEEK"] section-binary ["&lt;" number "." nz-number "&gt;"] /
///                    "BINARY.SIZE" section-binary                           ; RFC 3516
/// section-binary  = "[" [section-part] "]"
/// fetch-att       =/ "SAVEDATE"                                             ; RFC 8514
/// fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"          ; RFC 7162
/// fetch-modifier  = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED"         ; RFC 7162
/// </code>
/// </summary>
public static class ImapFetchParser
{
    private const int MaxItems = 100;
    private const int MaxPartDepth = 32;

    public static FetchArguments Parse(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var set = r.ReadSequenceSet();
        r.ExpectSpace();
        var items = new List<FetchItem>();
        if (r.TryConsumeKeyword("ALL"))
        {
            items.AddRange([FetchItem.Of(FetchItemKind.Flags), FetchItem.Of(FetchItemKind.InternalDate), FetchItem.Of(FetchItemKind.Rfc822Size), FetchItem.Of(FetchItemKind.Envelope)]);
        }
        else if (r.TryConsumeKeyword("FULL"))
        {
            items.AddRange([FetchItem.Of(FetchItemKind.Flags), FetchItem.Of(FetchItemKind.InternalDate), FetchItem.Of(FetchItemKind.Rfc822Size), FetchItem.Of(FetchItemKind.Envelope), FetchItem.Of(FetchItemKind.Body)]);
        }
        else if (r.TryConsumeKeyword("FAST"))
        {
            items.AddRange([FetchItem.Of(FetchItemKind.Flags), FetchItem.Of(FetchItemKind.InternalDate), FetchItem.Of(FetchItemKind.Rfc822Size)]);
        }
        else if (r.TryConsume('('))
        {
            do
            {
                if (items.Count >= MaxItems)
                {
                    throw new ImapParseException("Too many FETCH items");
                }
                items.Add(ReadItem(r));
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        else
        {
            items.Add(ReadItem(r));
        }
        long? changedSince = null;
        var vanished = false;
        if (r.TryConsume(' '))
        {
            r.Expect('(');
            do
            {
                if (r.TryConsumeKeyword("VANISHED"))
                {
                    vanished = true;
                    continue;
                }
                if (!r.TryConsumeKeyword("CHANGEDSINCE"))
                {
                    throw new ImapParseException("Unknown FETCH modifier");
                }
                r.ExpectSpace();
                changedSince = r.ReadNumber();
            }
            while (r.TryConsume(' '));
            r.Expect(')');
            if (vanished && changedSince is null)
            {
                throw new ImapParseException("VANISHED needs CHANGEDSINCE");
            }
        }
        return new FetchArguments(set, items) { ChangedSince = changedSince, Vanished = vanished };
    }

    public static FetchItem ReadItem(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        // Longest names first: TryConsumeKeyword refuses a prefix of a longer atom, but '[' ends an atom.
        if (r.TryConsumeKeyword("BODY.PEEK"))
        {
            return ReadSection(r, peek: true);
        }
        if (r.TryConsumeKeyword("BINARY.PEEK"))
        {
            return ReadBinary(r, FetchItemKind.Binary, peek: true);
        }
        if (r.TryConsumeKeyword("BINARY.SIZE"))
        {
            return ReadBinary(r, FetchItemKind.BinarySize, peek: true);
        }
        if (r.TryConsumeKeyword("BINARY"))
        {
            return ReadBinary(r, FetchItemKind.Binary, peek: false);
        }
        if (r.TryConsumeKeyword("BODYSTRUCTURE"))
        {
            return FetchItem.Of(FetchItemKind.BodyStructure);
        }
        if (r.TryConsumeKeyword("BODY"))
        {
            return r.Peek() == '[' ? ReadSection(r, peek: false) : FetchItem.Of(FetchItemKind.Body);
        }
        var name = r.ReadAtom().ToUpperInvariant();
        return name switch
        {
            "ENVELOPE" => FetchItem.Of(FetchItemKind.Envelope),
            "FLAGS" => FetchItem.Of(FetchItemKind.Flags),
            "INTERNALDATE" => FetchItem.Of(FetchItemKind.InternalDate),
            "RFC822" => FetchItem.Of(FetchItemKind.Rfc822),
            "RFC822.HEADER" => FetchItem.Of(FetchItemKind.Rfc822Header),
            "RFC822.SIZE" => FetchItem.Of(FetchItemKind.Rfc822Size),
            "RFC822.TEXT" => FetchItem.Of(FetchItemKind.Rfc822Text),
            "UID" => FetchItem.Of(FetchItemKind.Uid),
            "MODSEQ" => FetchItem.Of(FetchItemKind.ModSeq),
            "EMAILID" => FetchItem.Of(FetchItemKind.EmailId),
            "THREADID" => FetchItem.Of(FetchItemKind.ThreadId),
            "SAVEDATE" => FetchItem.Of(FetchItemKind.SaveDate),
            _ => throw new ImapParseException("Unknown FETCH item " + name),
        };
    }

    private static FetchItem ReadSection(ImapArgumentReader r, bool peek)
    {
        r.Expect('[');
        var section = ReadSectionSpec(r);
        r.Expect(']');
        long? origin = null, count = null;
        if (r.TryConsume('<'))
        {
            origin = r.ReadNumber32();
            r.Expect('.');
            count = r.ReadNzNumber();
            r.Expect('>');
        }
        return new FetchItem(FetchItemKind.BodySection) { Section = section, Peek = peek, PartialOrigin = origin, PartialCount = count };
    }

    private static FetchItem ReadBinary(ImapArgumentReader r, FetchItemKind kind, bool peek)
    {
        r.Expect('[');
        var part = new List<int>();
        while (r.Peek() != ']')
        {
            if (part.Count > 0)
            {
                r.Expect('.');
            }
            if (part.Count >= MaxPartDepth)
            {
                throw new ImapParseException("Section part too deep");
            }
            var n = r.ReadNzNumber();
            part.Add(n > int.MaxValue ? throw new ImapParseException("Invalid section part") : (int)n);
        }
        r.Expect(']');
        long? origin = null, count = null;
        if (kind == FetchItemKind.Binary && r.TryConsume('<'))
        {
            origin = r.ReadNumber32();
            r.Expect('.');
            count = r.ReadNzNumber();
            r.Expect('>');
        }
        return new FetchItem(kind) { Section = new BodySection(part, SectionText.None), Peek = peek, PartialOrigin = origin, PartialCount = count };
    }

    private static BodySection ReadSectionSpec(ImapArgumentReader r)
    {
        if (r.Peek() == ']')
        {
            return BodySection.Whole;
        }
        var part = new List<int>();
        while (r.Peek() is >= '1' and <= '9')
        {
            if (part.Count >= MaxPartDepth)
            {
                throw new ImapParseException("Section part too deep");
            }
            var n = r.ReadNzNumber();
            part.Add(n > int.MaxValue ? throw new ImapParseException("Invalid section part") : (int)n);
            if (!r.TryConsume('.'))
            {
                return new BodySection(part, SectionText.None);
            }
        }
        if (r.TryConsumeKeyword("HEADER.FIELDS.NOT"))
        {
            r.ExpectSpace();
            return new BodySection(part, SectionText.HeaderFieldsNot, ReadHeaderList(r));
        }
        if (r.TryConsumeKeyword("HEADER.FIELDS"))
        {
            r.ExpectSpace();
            return new BodySection(part, SectionText.HeaderFields, ReadHeaderList(r));
        }
        if (r.TryConsumeKeyword("HEADER"))
        {
            return new BodySection(part, SectionText.Header);
        }
        if (r.TryConsumeKeyword("TEXT"))
        {
            return new BodySection(part, SectionText.Text);
        }
        if (part.Count > 0 && r.TryConsumeKeyword("MIME"))
        {
            return new BodySection(part, SectionText.Mime);
        }
        throw new ImapParseException("Invalid section");
    }

    private static List<string> ReadHeaderList(ImapArgumentReader r)
    {
        var fields = r.ReadAstringList();
        if (fields.Count == 0 || fields.Count > 200 || fields.Any(f => f.Length == 0 || f.Any(c => c <= ' ' || c == ':' || c > '~')))
        {
            throw new ImapParseException("Invalid header field list");
        }
        return fields;
    }
}

namespace Serverless.Protocols.Imap;

/// <summary>
/// SEARCH arguments.
/// <code>
/// search          = "SEARCH" [search-return-opts] [SP "CHARSET" SP astring] 1*(SP search-key)
/// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"   ; RFC 4731
/// search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT" /
///                      "PARTIAL" SP partial-range / "UPDATE" / "CONTEXT"                 ; RFC 5267
///                      / "SAVE"                                                           ; RFC 5182
/// partial-range      = nz-number ":" nz-number                                        ; RFC 5267
/// search-key      = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP astring /
///                   "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring /
///                   "KEYWORD" SP flag-keyword / "NEW" / "OLD" / "ON" SP date / "RECENT" / "SEEN" /
///                   "SINCE" SP date / "SUBJECT" SP astring / "TEXT" SP astring / "TO" SP astring /
///                   "UNANSWERED" / "UNDELETED" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword /
///                   "UNSEEN" / "DRAFT" / "HEADER" SP header-fld-name SP astring /
///                   "LARGER" SP number / "NOT" SP search-key / "OR" SP search-key SP search-key /
///                   "SENTBEFORE" SP date / "SENTON" SP date / "SENTSINCE" SP date /
///                   "SMALLER" SP number / "UID" SP sequence-set / "UNDRAFT" / sequence-set /
///                   "(" search-key *(SP search-key) ")" / search-modsequence
/// search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer     ; RFC 7162
/// search-modseq-ext  = SP entry-name SP entry-type-req
/// search-key         =/ ( "OLDER" / "YOUNGER" ) SP nz-number                 ; RFC 5032 (WITHIN)
/// search-key         =/ ( "EMAILID" / "THREADID" ) SP objectid                 ; RFC 8474
/// search-key         =/ ( "SAVEDBEFORE" / "SAVEDON" / "SAVEDSINCE" ) SP date /
///                       "SAVEDATESUPPORTED"                                  ; RFC 8514
/// </code>
/// </summary>
public static class ImapSearchParser
{
    private const int MaxDepth = 64;
    private const int MaxKeys = 1000;

    public static SearchArguments Parse(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        IReadOnlyList<string>? returns = null;
        PartialRange? partial = null;
        if (r.TryConsumeKeyword("RETURN"))
        {
            r.ExpectSpace();
            (returns, partial) = ReadReturnOptions(r);
            r.ExpectSpace();
        }
        string? charset = null;
        if (r.TryConsumeKeyword("CHARSET"))
        {
            r.ExpectSpace();
            charset = r.ReadAstring();
            r.ExpectSpace();
        }
        return new SearchArguments(charset, ReadCriteria(r)) { Return = returns, Partial = partial };
    }

    /// <summary>1*(search-key) separated by SP, as one key (SEARCH, SORT and THREAD share it).</summary>
    public static SearchKey ReadCriteria(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var count = 0;
        var keys = new List<SearchKey> { ReadKey(r, 0, ref count) };
        while (r.TryConsume(' '))
        {
            keys.Add(ReadKey(r, 0, ref count));
        }
        return keys.Count == 1 ? keys[0] : new SearchAnd(keys);
    }

    /// <summary>
    /// "(" [search-return-opt *(SP search-return-opt)] ")"; an empty list (or CONTEXT alone, a mere
    /// hint) means ALL (RFC 4731 3.1). UPDATE alone returns nothing now, only later updates (RFC 5267 4.3).
    /// PARTIAL is in the options with its range beside them; it excludes ALL (RFC 5267 4.4). SAVE
    /// alone returns nothing, only keeps the result for "$" (RFC 5182 2.1).
    /// </summary>
    public static (IReadOnlyList<string> Options, PartialRange? Partial) ReadReturnOptions(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Expect('(');
        var options = new List<string>();
        PartialRange? partial = null;
        if (!r.TryConsume(')'))
        {
            do
            {
                var option = r.ReadAtom().ToUpperInvariant();
                if (option is not ("MIN" or "MAX" or "ALL" or "COUNT" or "PARTIAL" or "UPDATE" or "CONTEXT" or "SAVE"))
                {
                    throw new ImapParseException("Unknown RETURN option " + option);
                }
                if (option == "PARTIAL")
                {
                    r.ExpectSpace();
                    partial = PartialRange.Parse(r.ReadAtom());
                }
                if (option != "CONTEXT" && !options.Contains(option))
                {
                    options.Add(option);
                }
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        if (options.Contains("ALL") && options.Contains("PARTIAL"))
        {
            throw new ImapParseException("ALL and PARTIAL exclude each other");
        }
        return (options.Count == 0 ? ["ALL"] : options, partial);
    }

    private static SearchKey ReadKey(ImapArgumentReader r, int depth, ref int count)
    {
        if (depth > MaxDepth || ++count > MaxKeys)
        {
            throw new ImapParseException("Search criteria too complex");
        }
        if (r.TryConsume('('))
        {
            var keys = new List<SearchKey> { ReadKey(r, depth + 1, ref count) };
            while (r.TryConsume(' '))
            {
                keys.Add(ReadKey(r, depth + 1, ref count));
            }
            r.Expect(')');
            return keys.Count == 1 ? keys[0] : new SearchAnd(keys);
        }
        if (r.Peek() is (>= '0' and <= '9') or '*' or '$')
        {
            return new SearchSequence(r.ReadSequenceSet(), Uid: false);
        }
        var name = r.ReadAtom().ToUpperInvariant();
        switch (name)
        {
            case "ALL":
                return SearchAll.Instance;
            case "ANSWERED":
                return new SearchFlag(ImapFlags.Answered, true);
            case "DELETED":
                return new SearchFlag(ImapFlags.Deleted, true);
            case "DRAFT":
                return new SearchFlag(ImapFlags.Draft, true);
            case "FLAGGED":
                return new SearchFlag(ImapFlags.Flagged, true);
            case "SEEN":
                return new SearchFlag(ImapFlags.Seen, true);
            case "RECENT":
                return new SearchFlag(ImapFlags.Recent, true);
            case "UNANSWERED":
                return new SearchFlag(ImapFlags.Answered, false);
            case "UNDELETED":
                return new SearchFlag(ImapFlags.Deleted, false);
            case "UNDRAFT":
                return new SearchFlag(ImapFlags.Draft, false);
            case "UNFLAGGED":
                return new SearchFlag(ImapFlags.Flagged, false);
            case "UNSEEN":
                return new SearchFlag(ImapFlags.Seen, false);
            case "NEW":
                return new SearchAnd([new SearchFlag(ImapFlags.Recent, true), new SearchFlag(ImapFlags.Seen, false)]);
            case "OLD":
                return new SearchFlag(ImapFlags.Recent, false);
            case "KEYWORD":
            case "UNKEYWORD":
                r.ExpectSpace();
                return new SearchFlag(r.ReadAtom(), name == "KEYWORD");
            case "BCC":
            case "CC":
            case "FROM":
            case "SUBJECT":
            case "TO":
                r.ExpectSpace();
                return new SearchHeader(name, r.ReadAstring());
            case "HEADER":
                r.ExpectSpace();
                var field = r.ReadAstring();
                r.ExpectSpace();
                return new SearchHeader(field, r.ReadAstring());
            case "BODY":
                r.ExpectSpace();
                return new SearchBody(r.ReadAstring());
            case "TEXT":
                r.ExpectSpace();
                return new SearchText(r.ReadAstring());
            case "BEFORE":
            case "ON":
            case "SINCE":
            case "SENTBEFORE":
            case "SENTON":
            case "SENTSINCE":
                r.ExpectSpace();
                var sent = name.StartsWith("SENT", StringComparison.Ordinal);
                var comparison = name[(sent ? 4 : 0)..] switch
                {
                    "BEFORE" => SearchDateComparison.Before,
                    "ON" => SearchDateComparison.On,
                    _ => SearchDateComparison.Since,
                };
                return new SearchDate(sent, comparison, ReadDate(r));
            case "SAVEDBEFORE":
            case "SAVEDON":
            case "SAVEDSINCE":
                r.ExpectSpace();
                var saved = name[5..] switch
                {
                    "BEFORE" => SearchDateComparison.Before,
                    "ON" => SearchDateComparison.On,
                    _ => SearchDateComparison.Since,
                };
                return new SearchSavedDate(saved, ReadDate(r));
            case "SAVEDATESUPPORTED":
                return SearchAll.Instance; // every folder keeps save dates
            case "LARGER":
            case "SMALLER":
                r.ExpectSpace();
                return new SearchSize(name == "LARGER", r.ReadNumber32());
            case "EMAILID":
            case "THREADID":
                r.ExpectSpace();
                return new SearchObjectId(name == "THREADID", r.ReadAtom());
            case "OLDER":
            case "YOUNGER":
                r.ExpectSpace();
                var seconds = r.ReadNumber32();
                if (seconds == 0)
                {
                    throw new ImapParseException(name + " needs a positive number of seconds");
                }
                return new SearchAge(name == "OLDER", seconds);
            case "UID":
                r.ExpectSpace();
                return new SearchSequence(r.ReadSequenceSet(), Uid: true);
            case "NOT":
                r.ExpectSpace();
                return new SearchNot(ReadKey(r, depth + 1, ref count));
            case "OR":
                r.ExpectSpace();
                var left = ReadKey(r, depth + 1, ref count);
                r.ExpectSpace();
                return new SearchOr(left, ReadKey(r, depth + 1, ref count));
            case "MODSEQ":
                r.ExpectSpace();
                if (r.Peek() == '"')
                {
                    r.ReadString(); // entry-name: per-flag modseqs are not kept; the message MODSEQ is used
                    r.ExpectSpace();
                    var type = r.ReadAtom().ToLowerInvariant();
                    if (type is not ("priv" or "shared" or "all"))
                    {
                        throw new ImapParseException("Invalid entry type");
                    }
                    r.ExpectSpace();
                }
                return new SearchModSeq(r.ReadNumber());
            default:
                throw new ImapParseException("Unknown search key " + name);
        }
    }

    /// <summary>date = date-text / DQUOTE date-text DQUOTE</summary>
    private static DateOnly ReadDate(ImapArgumentReader r)
    {
        var text = r.Peek() == '"' ? r.ReadString() : r.ReadAtom();
        return ImapDateTime.ParseDate(text);
    }
}

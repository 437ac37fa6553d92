namespace Serverless.Protocols.Imap;

/// <summary>
/// SORT arguments (RFC 5256 5, RFC 5957 DISPLAYFROM / DISPLAYTO).
/// <code>
/// sort            = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria  ; RFC 5267
/// sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
/// sort-criterion  = ["REVERSE" SP] sort-key
/// sort-key        = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO" /
///                   "DISPLAYFROM" / "DISPLAYTO"
/// search-criteria = charset 1*(SP search-key)
/// charset         = atom / quoted
/// </code>
/// </summary>
public static class ImapSortParser
{
    private static readonly HashSet<string> Keys = new(StringComparer.Ordinal)
    {
        "ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO",
    };

    public static SortArguments Parse(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        IReadOnlyList<string>? returns = null;
        PartialRange? partial = null;
        if (r.TryConsumeKeyword("RETURN"))
        {
            r.ExpectSpace();
            (returns, partial) = ImapSearchParser.ReadReturnOptions(r);
            r.ExpectSpace();
        }
        r.Expect('(');
        var criteria = new List<SortCriterion>();
        do
        {
            var word = r.ReadAtom().ToUpperInvariant();
            var reverse = word == "REVERSE";
            if (reverse)
            {
                r.ExpectSpace();
                word = r.ReadAtom().ToUpperInvariant();
            }
            if (!Keys.Contains(word))
            {
                throw new ImapParseException("Unknown sort key " + word);
            }
            if (criteria.Count >= 16)
            {
                throw new ImapParseException("Too many sort keys");
            }
            criteria.Add(new SortCriterion(word, reverse));
        }
        while (r.TryConsume(' '));
        r.Expect(')');
        r.ExpectSpace();
        var charset = r.ReadAstring();
        r.ExpectSpace();
        return new SortArguments(criteria, charset, ImapSearchParser.ReadCriteria(r)) { Return = returns, Partial = partial };
    }
}

namespace Serverless.Protocols.Imap;

/// <summary>
/// What SORT compares of one message, already extracted (dates parsed, subjects reduced to the
/// base subject key, addresses decoded) so comparing is pure and cheap.
/// </summary>
/// <param name="Number">Sequence number: the final tie-break (RFC 5256 3), never reversed.</param>
/// <param name="Sent">The Date: header in UTC, or the internal date when it is missing or unparseable.</param>
/// <param name="Subject">Base subject key (<see cref="ImapBaseSubject"/>).</param>
/// <param name="From">Local part of the first From address ("" if none); To and Cc likewise.</param>
/// <param name="DisplayFrom">RFC 5957: decoded display name of the first From address, else its addr-spec.</param>
public sealed record SortFields(int Number, DateTimeOffset Arrival, DateTimeOffset Sent, long Size, string Subject, string From, string To, string Cc, string DisplayFrom, string DisplayTo);

/// <summary>
/// The order of RFC 5256 SORT: criteria in turn, REVERSE flipping one, ties broken by sequence
/// number. Strings compare case-insensitively (i;ascii-casemap for addresses; the base subject
/// key is already case-folded).
/// </summary>
public static class ImapSortOrder
{
    public static Comparison<SortFields> For(IReadOnlyList<SortCriterion> criteria)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        var keys = criteria.ToArray(); // an array: no enumerator allocated per comparison
        return (a, b) =>
        {
            foreach (var c in keys)
            {
                var r = Compare(c.Key, a, b);
                if (r != 0)
                {
                    return c.Reverse ? -r : r;
                }
            }
            return a.Number.CompareTo(b.Number);
        };
    }

    private static int Compare(string key, SortFields a, SortFields b) => key switch
    {
        "ARRIVAL" => a.Arrival.CompareTo(b.Arrival),
        "DATE" => a.Sent.CompareTo(b.Sent),
        "SIZE" => a.Size.CompareTo(b.Size),
        "SUBJECT" => string.CompareOrdinal(a.Subject, b.Subject),
        "FROM" => string.Compare(a.From, b.From, StringComparison.OrdinalIgnoreCase),
        "TO" => string.Compare(a.To, b.To, StringComparison.OrdinalIgnoreCase),
        "CC" => string.Compare(a.Cc, b.Cc, StringComparison.OrdinalIgnoreCase),
        "DISPLAYFROM" => string.Compare(a.DisplayFrom, b.DisplayFrom, StringComparison.OrdinalIgnoreCase),
        "DISPLAYTO" => string.Compare(a.DisplayTo, b.DisplayTo, StringComparison.OrdinalIgnoreCase),
        _ => 0,
    };
}

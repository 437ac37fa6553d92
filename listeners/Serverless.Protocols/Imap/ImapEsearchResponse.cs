using System.Globalization;
using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// The ESEARCH response of RFC 4731.
/// <code>
/// esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
/// search-correlator = SP "(" "TAG" SP tag-string ")"
/// search-return-data = "MIN" SP nz-number / "MAX" SP nz-number / "ALL" SP sequence-set /
///                      "COUNT" SP number / "MODSEQ" SP mod-sequence-value    ; RFC 7162
/// search-return-data =/ "PARTIAL" SP "(" partial-range SP partial-results ")"   ; RFC 5267
/// partial-results    = sequence-set / "NIL"
/// </code>
/// MIN, MAX and ALL are left out when nothing matched (RFC 4731 3.1); COUNT is always given when asked.
/// For a SORT (RFC 5267 ESORT) the numbers come in sort order: MIN and MAX are the first and last,
/// and ALL keeps the order (only ascending runs are written as ranges).
/// </summary>
public static class ImapEsearchResponse
{
    /// <param name="numbers">Matching sequence numbers or UIDs, ascending (a SORT's: in sort order).</param>
    public static string Format(string tag, bool uid, IReadOnlyList<string> options, IReadOnlyList<long> numbers, long? modSeq, PartialRange? partial = null)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(numbers);
        var sb = new StringBuilder("* ESEARCH (TAG \"").Append(tag).Append("\")");
        if (uid)
        {
            sb.Append(" UID");
        }
        if (numbers.Count > 0 && options.Contains("MIN"))
        {
            sb.Append(" MIN ").Append(numbers[0].ToString(CultureInfo.InvariantCulture));
        }
        if (numbers.Count > 0 && options.Contains("MAX"))
        {
            sb.Append(" MAX ").Append(numbers[^1].ToString(CultureInfo.InvariantCulture));
        }
        if (options.Contains("COUNT"))
        {
            sb.Append(" COUNT ").Append(numbers.Count.ToString(CultureInfo.InvariantCulture));
        }
        if (partial is not null && options.Contains("PARTIAL"))
        {
            var slice = partial.Slice(numbers);
            sb.Append(" PARTIAL (").Append(partial).Append(' ').Append(slice.Count == 0 ? "NIL" : SequenceSet.Format(slice)).Append(')');
        }
        if (numbers.Count > 0 && options.Contains("ALL"))
        {
            sb.Append(" ALL ").Append(SequenceSet.Format(numbers));
        }
        if (modSeq is { } m && numbers.Count > 0)
        {
            sb.Append(" MODSEQ ").Append(m.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}

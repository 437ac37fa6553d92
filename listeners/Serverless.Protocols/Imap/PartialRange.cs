using System.Globalization;

namespace Serverless.Protocols.Imap;

/// <summary>
/// RFC 5267 4.4 PARTIAL: positions <see cref="First"/> to <see cref="Last"/> (1-based, inclusive)
/// of a search or sort result. <c>partial-range = nz-number ":" nz-number</c>; "4:2" is "2:4".
/// </summary>
public sealed record PartialRange(long First, long Last)
{
    public static PartialRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !TryNumber(text[..colon], out var a) || !TryNumber(text[(colon + 1)..], out var b))
        {
            throw new ImapParseException("Invalid PARTIAL range");
        }
        return a <= b ? new PartialRange(a, b) : new PartialRange(b, a);
    }

    /// <summary>The part of <paramref name="results"/> in the range (empty when it starts past the end).</summary>
    public IReadOnlyList<long> Slice(IReadOnlyList<long> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (First > results.Count)
        {
            return [];
        }
        var from = (int)(First - 1);
        var to = (int)Math.Min(Last, results.Count);
        return results.Skip(from).Take(to - from).ToList();
    }

    public override string ToString() => First.ToString(CultureInfo.InvariantCulture) + ":" + Last.ToString(CultureInfo.InvariantCulture);

    private static bool TryNumber(string s, out long n) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n is > 0 and <= uint.MaxValue && s[0] != '0';
}

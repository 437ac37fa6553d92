using System.Globalization;
using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// A set of message sequence numbers or UIDs.
/// <code>
/// sequence-set    = (seq-number / seq-range) *("," sequence-set)
/// seq-range       = seq-number ":" seq-number
///                     ; two seq-number values and all values between these two regardless of order.
/// seq-number      = nz-number / "*"
///                     ; "*" is the largest number in use.
/// sequence-set    =/ seq-last-command                     ; RFC 5182 SEARCHRES
/// seq-last-command = "$"                                  ; the saved result of the last SEARCH ... RETURN (SAVE)
/// </code>
/// </summary>
public sealed class SequenceSet
{
    /// <summary>Stands for "*" until the set is resolved against a mailbox.</summary>
    public const long Star = long.MaxValue;

    private const int MaxRanges = 100_000;

    private SequenceSet(IReadOnlyList<(long Start, long End)> ranges) => Ranges = ranges;

    /// <summary>The ranges as written (<see cref="Star"/> for "*"; Start may exceed End). Empty for <see cref="Saved"/>.</summary>
    public IReadOnlyList<(long Start, long End)> Ranges { get; }

    /// <summary>"$" (RFC 5182): the session's saved search result, whose messages the session knows; no ranges of its own.</summary>
    public static SequenceSet Saved { get; } = new([]);

    public bool IsSaved => ReferenceEquals(this, Saved);

    public static SequenceSet Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "$")
        {
            return Saved;
        }
        if (text.Contains('$', StringComparison.Ordinal))
        {
            throw new ImapParseException("\"$\" stands alone (RFC 5182)");
        }
        var parts = text.Split(',');
        if (parts.Length > MaxRanges)
        {
            throw new ImapParseException("Sequence set too long");
        }
        var ranges = new List<(long, long)>(parts.Length);
        foreach (var part in parts)
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                var n = Number(part);
                ranges.Add((n, n));
            }
            else
            {
                ranges.Add((Number(part[..colon]), Number(part[(colon + 1)..])));
            }
        }
        return new SequenceSet(ranges);
    }

    public static SequenceSet Of(long from, long to) => new([(from, to)]);

    private static long Number(string s)
    {
        if (s == "*")
        {
            return Star;
        }
        if (s.Length == 0 || s.Length > 10 || !s.All(char.IsAsciiDigit)
            || !long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0 || n > uint.MaxValue)
        {
            throw new ImapParseException("Invalid sequence set");
        }
        return n;
    }

    /// <summary>Sorted, merged, inclusive ranges with "*" replaced by <paramref name="largest"/> (0 for an empty mailbox gives nothing for "*").</summary>
    public IReadOnlyList<(long From, long To)> Resolve(long largest)
    {
        var list = new List<(long From, long To)>(Ranges.Count);
        foreach (var (s, e) in Ranges)
        {
            var a = s == Star ? largest : s;
            var b = e == Star ? largest : e;
            if (a == 0 || b == 0)
            {
                continue;
            }
            list.Add(a <= b ? (a, b) : (b, a));
        }
        list.Sort();
        var merged = new List<(long From, long To)>(list.Count);
        foreach (var r in list)
        {
            if (merged.Count > 0 && r.From <= merged[^1].To + 1)
            {
                merged[^1] = (merged[^1].From, Math.Max(merged[^1].To, r.To));
            }
            else
            {
                merged.Add(r);
            }
        }
        return merged;
    }

    public bool Contains(long n, long largest)
    {
        foreach (var (s, e) in Ranges)
        {
            var a = s == Star ? largest : s;
            var b = e == Star ? largest : e;
            if (n >= Math.Min(a, b) && n <= Math.Max(a, b))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Writes numbers in the given order, collapsing runs: 1,2,3,5 → "1:3,5".</summary>
    public static string Format(IEnumerable<long> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        var sb = new StringBuilder();
        long start = -1, prev = -1;
        foreach (var n in numbers)
        {
            if (start >= 0 && n == prev + 1)
            {
                prev = n;
                continue;
            }
            Flush();
            start = prev = n;
        }
        Flush();
        return sb.ToString();

        void Flush()
        {
            if (start < 0)
            {
                return;
            }
            if (sb.Length > 0)
            {
                sb.Append(',');
            }
            sb.Append(start.ToString(CultureInfo.InvariantCulture));
            if (prev != start)
            {
                sb.Append(':').Append(prev.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    public override string ToString() => string.Join(",", Ranges.Select(r =>
        r.Start == r.End ? N(r.Start) : N(r.Start) + ":" + N(r.End)));

    private static string N(long n) => n == Star ? "*" : n.ToString(CultureInfo.InvariantCulture);
}

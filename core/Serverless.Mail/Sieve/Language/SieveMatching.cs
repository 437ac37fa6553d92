using System.Globalization;
using System.Numerics;
using System.Text;

namespace Serverless.Mail.Sieve.Language;

/// <summary>
/// Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric) and match types (RFC 5228
/// §2.7.1 :is/:contains/:matches, RFC 5231 :count/:value). <c>:matches</c>: <c>*</c> is any
/// sequence, <c>?</c> one character, <c>\</c> escapes the next; the text each wildcard took is
/// returned for the match variables (RFC 5229 §3.2: each <c>*</c> takes as little as it can).
/// </summary>
public static class SieveMatching
{
    /// <summary>True if any value matches any key; <paramref name="groups"/> gets ${0}… of the first :matches hit.</summary>
    public static bool Any(SieveCall call, IReadOnlyList<string> values, IReadOnlyList<string> keys, out IReadOnlyList<string>? groups)
    {
        ArgumentNullException.ThrowIfNull(call);
        groups = null;
        if (call.Match == SieveMatchType.Count)
        {
            var count = values.Count.ToString(CultureInfo.InvariantCulture);
            return keys.Any(k => Relate(Compare(call.Comparator, count, k), call.Relation!));
        }
        foreach (var value in values)
        {
            foreach (var key in keys)
            {
                switch (call.Match)
                {
                    case SieveMatchType.Value when Relate(Compare(call.Comparator, value, key), call.Relation!):
                    case SieveMatchType.Is when Compare(call.Comparator, value, key) == 0:
                        return true;
                    case SieveMatchType.Contains when Fold(call.Comparator, value).Contains(Fold(call.Comparator, key), StringComparison.Ordinal):
                        return true;
                    case SieveMatchType.Matches when Glob(call.Comparator, value, key) is { } g:
                        groups = g;
                        return true;
                }
            }
        }
        return false;
    }

    /// <summary>Orders two values by a comparator: negative, zero or positive.</summary>
    public static int Compare(string comparator, string a, string b)
    {
        if (comparator == "i;ascii-numeric")
        {
            var (x, y) = (Numeric(a), Numeric(b));
            return x is null ? (y is null ? 0 : 1) : y is null ? -1 : x.Value.CompareTo(y.Value);
        }
        return string.CompareOrdinal(Fold(comparator, a), Fold(comparator, b));
    }

    private static bool Relate(int order, string relation) => relation switch
    {
        "gt" => order > 0,
        "ge" => order >= 0,
        "lt" => order < 0,
        "le" => order <= 0,
        "eq" => order == 0,
        _ => order != 0,
    };

    /// <summary>The leading digits as a number; none means positive infinity (null).</summary>
    private static BigInteger? Numeric(string s)
    {
        var n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[n]))
        {
            n++;
        }
        return n == 0 ? null : BigInteger.Parse(s.AsSpan(0, n), CultureInfo.InvariantCulture);
    }

    /// <summary>i;ascii-casemap folds a–z only (so lengths and positions stay those of the original).</summary>
    private static string Fold(string comparator, string s)
    {
        if (comparator != "i;ascii-casemap")
        {
            return s;
        }
        return string.Create(s.Length, s, (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                span[i] = char.IsAsciiLetterLower(src[i]) ? (char)(src[i] - 32) : src[i];
            }
        });
    }

    /// <summary>The wildcard match of <paramref name="value"/> against <paramref name="pattern"/>, or null.</summary>
    public static IReadOnlyList<string>? Glob(string comparator, string value, string pattern)
    {
        var v = Fold(comparator, value);
        var tokens = new List<(char Kind, char C)>(); // '*', '?' or 'c' (literal)
        var p = Fold(comparator, pattern);
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] == '\\' && i + 1 < p.Length)
            {
                tokens.Add(('c', p[++i]));
            }
            else
            {
                tokens.Add((p[i] is '*' or '?' ? p[i] : 'c', p[i]));
            }
        }
        var spans = new List<(int Start, int Length)>();
        var budget = 100_000; // backtracking steps: a pathological pattern fails rather than spins
        if (!Match(v, 0, tokens, 0, spans, ref budget))
        {
            return null;
        }
        var groups = new List<string> { value };
        groups.AddRange(spans.Select(s => value.Substring(s.Start, s.Length)));
        return groups;
    }

    // Literals and '?' advance in a loop; only '*' recurses, and at most 64 deep.
    private static bool Match(string v, int vi, List<(char Kind, char C)> tokens, int ti, List<(int, int)> spans, ref int budget)
    {
        var mark = spans.Count;
        while (ti < tokens.Count && tokens[ti].Kind != '*')
        {
            if (--budget < 0 || vi >= v.Length)
            {
                spans.RemoveRange(mark, spans.Count - mark);
                return false;
            }
            var (kind, c) = tokens[ti];
            if (kind == '?')
            {
                var width = char.IsHighSurrogate(v[vi]) && vi + 1 < v.Length ? 2 : 1;
                spans.Add((vi, width));
                vi += width;
            }
            else if (v[vi] == c)
            {
                vi++;
            }
            else
            {
                spans.RemoveRange(mark, spans.Count - mark);
                return false;
            }
            ti++;
        }
        if (ti == tokens.Count)
        {
            if (vi == v.Length)
            {
                return true;
            }
            spans.RemoveRange(mark, spans.Count - mark);
            return false;
        }
        if (spans.Count > 64)
        {
            spans.RemoveRange(mark, spans.Count - mark);
            return false;
        }
        for (var take = 0; vi + take <= v.Length && budget > 0; take++)
        {
            spans.Add((vi, take));
            if (Match(v, vi + take, tokens, ti + 1, spans, ref budget))
            {
                return true;
            }
            spans.RemoveAt(spans.Count - 1);
            budget--;
        }
        spans.RemoveRange(mark, spans.Count - mark);
        return false;
    }

    internal static string Join(IEnumerable<string> values) => new StringBuilder().AppendJoin(' ', values).ToString();
}

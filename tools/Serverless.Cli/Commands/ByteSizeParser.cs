using System.CommandLine.Parsing;
using System.Globalization;

namespace Serverless.Cli.Commands;

/// <summary>Quota values: bytes, or a number with K, M, G or T (binary: 1G = 1 GiB); 0 is unlimited.</summary>
public static class ByteSizeParser
{
    public static long? Parse(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value.Trim();
        if (TryParse(text, out var bytes))
        {
            return bytes;
        }
        result.AddError($"'{text}' is not a size: bytes, or a number with K, M, G or T (e.g. 2G).");
        return null;
    }

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim();
        if (t.EndsWith("iB", StringComparison.OrdinalIgnoreCase))
        {
            t = t[..^2];
        }
        else if (t.EndsWith('B') || t.EndsWith('b'))
        {
            t = t[..^1];
        }
        var shift = t.Length == 0 ? 0 : char.ToUpperInvariant(t[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        if (shift > 0)
        {
            t = t[..^1];
        }
        if (!decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }
        var scaled = decimal.Round(value * (1L << shift));
        if (scaled > long.MaxValue)
        {
            return false;
        }
        bytes = (long)scaled;
        return true;
    }
}

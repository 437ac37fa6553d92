using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Serverless.Mail.Sieve.Language;

/// <summary>
/// RFC 5228 §2.4.2.4 (require "encoded-character"):
/// <code>
/// encoded-arb-octets   = "${hex:" hex-pair-seq "}"
/// hex-pair-seq         = *blank hex-pair *(1*blank hex-pair) *blank
/// encoded-unicode-char = "${unicode:" unicode-hex-seq "}"
/// unicode-hex-seq      = *blank unicode-hex *(1*blank unicode-hex) *blank
/// unicode-hex          = 1*HEXDIG
/// </code>
/// A sequence that does not fit the grammar stays as written; octets are taken as UTF-8, and a
/// code point that is not a Unicode scalar value is an error.
/// </summary>
public static partial class EncodedCharacters
{
    [GeneratedRegex(@"\$\{(hex|unicode):([ \t\r\n]*[0-9A-Fa-f]+(?:[ \t\r\n]+[0-9A-Fa-f]+)*[ \t\r\n]*)\}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Sequence();

    public static string Decode(string value, int line)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains("${", StringComparison.Ordinal))
        {
            return value;
        }
        return Sequence().Replace(value, m =>
        {
            var items = m.Groups[2].Value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (string.Equals(m.Groups[1].Value, "hex", StringComparison.OrdinalIgnoreCase))
            {
                if (items.Any(h => h.Length != 2))
                {
                    return m.Value;
                }
                return Encoding.UTF8.GetString(items.Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray());
            }
            var sb = new StringBuilder();
            foreach (var h in items)
            {
                if (h.Length > 6 || !int.TryParse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp) || cp > 0x10FFFF || cp is >= 0xD800 and <= 0xDFFF)
                {
                    throw new SieveSyntaxException(line, $"invalid Unicode code point \"{h}\" in ${{unicode:…}}");
                }
                sb.Append(char.ConvertFromUtf32(cp));
            }
            return sb.ToString();
        });
    }
}

using System.Globalization;
using System.Text;

namespace Serverless.Mail.Sieve.Language;

/// <summary>
/// RFC 5229 variables: names, <c>${…}</c> expansion (match variables <c>${0}</c>…<c>${9}</c> and
/// named ones; an unknown name expands to the empty string) and the <c>set</c> modifiers. Values
/// are cut at <see cref="MaxValueLength"/> characters and a script may hold at most
/// <see cref="MaxVariables"/> of them.
/// <code>
/// variable-ref  = "${" [namespace] variable-name "}"
/// namespace     = identifier "." *sub-namespace
/// variable-name = num-variable / identifier
/// num-variable  = 1*DIGIT
/// </code>
/// </summary>
public sealed class SieveVariables
{
    public const int MaxValueLength = 4096;
    public const int MaxVariables = 128;

    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);
    private string[] _matches = [];

    public static bool IsValidName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public void Set(string name, string value, int line)
    {
        if (!_values.ContainsKey(name) && _values.Count >= MaxVariables)
        {
            throw new SieveRuntimeException(line, $"more than {MaxVariables} variables");
        }
        _values[name] = Cut(value);
    }

    public string Get(string name) => _values.GetValueOrDefault(name, "");

    public void SetMatches(IReadOnlyList<string> groups) => _matches = groups.Take(10).Select(Cut).ToArray();

    public string Expand(string value)
    {
        if (!value.Contains("${", StringComparison.Ordinal))
        {
            return value;
        }
        var sb = new StringBuilder();
        var i = 0;
        while (i < value.Length)
        {
            var start = value.IndexOf("${", i, StringComparison.Ordinal);
            if (start < 0)
            {
                break;
            }
            var end = value.IndexOf('}', start + 2);
            if (end < 0)
            {
                break;
            }
            var name = value[(start + 2)..end];
            sb.Append(value, i, start - i);
            if (name.Length > 0 && name.All(char.IsAsciiDigit))
            {
                var n = int.Parse(name, CultureInfo.InvariantCulture);
                sb.Append(n < _matches.Length ? _matches[n] : "");
            }
            else if (IsReference(name))
            {
                sb.Append(Get(name));
            }
            else
            {
                sb.Append(value, start, end - start + 1); // not a reference: kept as written
            }
            i = end + 1;
            if (sb.Length > MaxValueLength)
            {
                return Cut(sb.ToString());
            }
        }
        sb.Append(value, i, value.Length - i);
        return Cut(sb.ToString());
    }

    private static bool IsReference(string name) => name.Split('.').All(IsValidName);

    /// <summary>RFC 5229 §4.1: :length, then :lower/:upper, :lowerfirst/:upperfirst, :quotewildcard (precedence 40, 30, 20, 10).</summary>
    public static string Modify(string value, SieveCall set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Has("lower"))
        {
            value = value.ToLowerInvariant();
        }
        if (set.Has("upper"))
        {
            value = value.ToUpperInvariant();
        }
        if (set.Has("lowerfirst") && value.Length > 0)
        {
            value = char.ToLowerInvariant(value[0]) + value[1..];
        }
        if (set.Has("upperfirst") && value.Length > 0)
        {
            value = char.ToUpperInvariant(value[0]) + value[1..];
        }
        if (set.Has("quotewildcard"))
        {
            value = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal).Replace("?", "\\?", StringComparison.Ordinal);
        }
        if (set.Has("length"))
        {
            value = new StringInfo(value).LengthInTextElements.ToString(CultureInfo.InvariantCulture);
        }
        return value;
    }

    private static string Cut(string value) => value.Length <= MaxValueLength ? value : value[..MaxValueLength];
}

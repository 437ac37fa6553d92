using System.Globalization;
using System.Reflection;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>
/// The Public Suffix List, for DMARC's organisational domain (RFC 7489 3.2): the registrable part of
/// a name is its public suffix plus one label. Rules (https://publicsuffix.org/list/):
/// <code>
/// rule      = [ "!" ] label *( "." label )    ; "!" marks an exception
/// label     = "*" / 1*( any but "." )          ; "*" matches exactly one label
/// matching  : the rule that matches the most labels wins; an exception beats everything and its
///             public suffix is the rule without its leftmost label; no match: the rule "*"
/// </code>
/// The list ships as an embedded data file (Data/public_suffix_list.dat; both the ICANN and the
/// private sections, so alice.github.io and bob.github.io are different organisations) and is loaded
/// once per process. Rules in Unicode are kept in their A-label form, as names reach us.
/// </summary>
public sealed class PublicSuffixList
{
    private const string ResourceName = "Serverless.Mail.Delivery.Authentication.Data.public_suffix_list.dat";

    private static readonly Lazy<PublicSuffixList> Embedded = new(LoadEmbedded);

    private readonly HashSet<string> _rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exceptions = new(StringComparer.Ordinal);

    /// <summary>The list shipped with the service.</summary>
    public static PublicSuffixList Default => Embedded.Value;

    public int Count => _rules.Count + _wildcards.Count + _exceptions.Count;

    public static PublicSuffixList Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var list = new PublicSuffixList();
        var idn = new IdnMapping();
        while (reader.ReadLine() is { } line)
        {
            var rule = line.Trim();
            var space = rule.IndexOfAny([' ', '\t']);
            if (space >= 0)
            {
                rule = rule[..space]; // the format allows trailing text after the rule
            }
            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }
            var exception = rule[0] == '!';
            if (exception)
            {
                rule = rule[1..];
            }
            var wildcard = rule.StartsWith("*.", StringComparison.Ordinal);
            if (wildcard)
            {
                rule = rule[2..];
            }
            rule = idn.GetAscii(rule).ToLowerInvariant();
            (exception ? list._exceptions : wildcard ? list._wildcards : list._rules).Add(rule);
        }
        return list;
    }

    /// <summary>The public suffix of <paramref name="domain"/> (e.g. "co.uk" for "mail.example.co.uk").</summary>
    public string PublicSuffix(string domain)
    {
        var labels = Labels(domain);
        return string.Join('.', labels[^SuffixLabels(labels)..]);
    }

    /// <summary>
    /// The organisational domain: public suffix plus one label ("example.co.uk" for "a.b.example.co.uk");
    /// a name that is itself a public suffix is its own.
    /// </summary>
    public string OrganizationalDomain(string domain)
    {
        var labels = Labels(domain);
        var keep = Math.Min(labels.Length, SuffixLabels(labels) + 1);
        return string.Join('.', labels[^keep..]);
    }

    private int SuffixLabels(string[] labels)
    {
        var best = 1; // the implicit rule "*"
        for (var start = 0; start < labels.Length; start++)
        {
            var suffix = string.Join('.', labels[start..]);
            var matched = labels.Length - start;
            if (_exceptions.Contains(suffix))
            {
                return matched - 1;
            }
            if (matched > best && _rules.Contains(suffix))
            {
                best = matched;
            }
            if (start > 0 && matched + 1 > best && _wildcards.Contains(suffix))
            {
                best = matched + 1;
            }
        }
        return best;
    }

    private static string[] Labels(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return domain.Trim().TrimEnd('.').ToLowerInvariant().Split('.');
    }

    private static PublicSuffixList LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded Public Suffix List ({ResourceName}) is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }
}

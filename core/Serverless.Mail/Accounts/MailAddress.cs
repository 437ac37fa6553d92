using System.Globalization;

namespace Serverless.Mail.Accounts;

/// <summary>
/// An address split for lookup: the domain in lowercase ASCII (IDN → punycode) and the local part
/// lowercased (mail systems treat local parts case-insensitively in practice). UTF-8 local parts
/// (RFC 6531) are kept as UTF-8.
/// </summary>
public readonly record struct MailAddress(string LocalPart, string Domain)
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    public string Address => LocalPart + "@" + Domain;

    public override string ToString() => Address;

    public static bool TryParse(string? text, out MailAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 320)
        {
            return false;
        }
        text = text.Trim();
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }
        var local = text[..at];
        if (local.Length > 64 * 4 || !TryNormalizeDomain(text[(at + 1)..], out var domain))
        {
            return false;
        }
        foreach (var c in local)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }
        // NFC first, so a decomposed "ö" and a precomposed one name the same mailbox (RFC 6532 3.1).
        address = new MailAddress(local.Normalize(System.Text.NormalizationForm.FormC).ToLowerInvariant(), domain);
        return true;
    }

    public static MailAddress Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not a mail address.");

    /// <summary>Lowercase ASCII form of a domain name (punycode for IDNs), or false if it is not a valid host name.</summary>
    public static bool TryNormalizeDomain(string? domain, out string ascii)
    {
        ascii = "";
        if (string.IsNullOrWhiteSpace(domain))
        {
            return false;
        }
        domain = domain.Trim().TrimEnd('.');
        if (domain.Length == 0 || domain.Length > 253)
        {
            return false;
        }
        try
        {
            ascii = Idn.GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return false;
        }
        return ascii.Length <= 253 && ascii.Contains('.', StringComparison.Ordinal);
    }
}

using Serverless.Mail.Accounts;

namespace Serverless.Mail.Provisioning.Validation;

/// <summary>Domain names the service can host: host names of at least two labels, IDNs as punycode (RFC 5890).</summary>
public static class DomainRules
{
    /// <summary>Lowercase ASCII form (IDN → punycode) or an explanation of what is wrong.</summary>
    public static bool TryNormalize(string? text, out string ascii, out string error)
    {
        ascii = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty.";
            return false;
        }
        if (!MailAddress.TryNormalizeDomain(text, out ascii))
        {
            error = "is not a valid host name (letters, digits and hyphens in dot-separated labels; at least two labels).";
            return false;
        }
        var labels = ascii.Split('.');
        if (labels.Any(l => l.Length is 0 or > 63))
        {
            error = "has an empty label or one longer than 63 characters.";
            return false;
        }
        if (labels[^1].All(char.IsAsciiDigit))
        {
            error = "looks like an IP address; a domain name is needed.";
            return false;
        }
        error = "";
        return true;
    }
}

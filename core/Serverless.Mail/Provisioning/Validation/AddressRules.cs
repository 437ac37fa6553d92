using System.Text;
using Serverless.Mail.Accounts;

namespace Serverless.Mail.Provisioning.Validation;

/// <summary>
/// Address syntax of RFC 5321 4.1.2 with the UTF-8 extensions of RFC 6531 3.3, for addresses the
/// API accepts. Hosted addresses (mailboxes, aliases) must be a Dot-string: quoted local parts are
/// legal on the wire but no client can log in with one, so they are only accepted as forwarding
/// targets.
/// <code>
/// Mailbox        = Local-part "@" ( Domain / address-literal )   ; address literals refused here
/// Local-part     = Dot-string / Quoted-string
/// Dot-string     = Atom *("."  Atom)
/// Atom           = 1*atext                                       ; RFC 6531: atext =/ UTF8-non-ascii
/// Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
/// QcontentSMTP   = qtextSMTP / quoted-pairSMTP
/// quoted-pairSMTP = %d92 %d32-126
/// qtextSMTP      = %d32-33 / %d35-91 / %d93-126                  ; RFC 6531: =/ UTF8-non-ascii
/// Domain         = sub-domain *("." sub-domain)                  ; RFC 6531: sub-domain =/ U-label
/// </code>
/// Limits (RFC 5321 4.5.3.1): local part 64 octets, domain 255 octets, whole address 254 octets.
/// </summary>
public static class AddressRules
{
    public const int MaxLocalPartOctets = 64;
    public const int MaxAddressOctets = 254;

    /// <summary>
    /// Checks and normalises an address: the local part in Unicode NFC and lowercase (hosted
    /// addresses are case-insensitive here), the domain lowercase ASCII (IDN → punycode).
    /// </summary>
    public static bool TryParseHosted(string? text, out MailAddress address, out string error) =>
        TryParse(text, allowQuoted: false, out address, out error);

    /// <summary>
    /// Checks a forwarding target. The local part keeps its case (other systems may care); the
    /// domain is normalised. Returns the address to store.
    /// </summary>
    public static bool TryParseTarget(string? text, out string normalized, out MailAddress lookup, out string error)
    {
        normalized = "";
        if (!TryParse(text, allowQuoted: true, out lookup, out error))
        {
            return false;
        }
        var raw = text!.Trim();
        var local = raw[..raw.LastIndexOf('@')].Normalize(NormalizationForm.FormC);
        normalized = local + "@" + lookup.Domain;
        return true;
    }

    private static bool TryParse(string? text, bool allowQuoted, out MailAddress address, out string error)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "must be an address like user@example.com.";
            return false;
        }
        text = text.Trim();
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            error = "must be an address like user@example.com.";
            return false;
        }
        var local = text[..at].Normalize(NormalizationForm.FormC);
        var domainText = text[(at + 1)..];
        if (domainText.StartsWith('['))
        {
            error = "must name a domain; address literals are not accepted.";
            return false;
        }
        if (!IsDotString(local) && !(allowQuoted && IsQuotedString(local)))
        {
            error = allowQuoted
                ? "has a local part that is neither a dot-atom nor a quoted string (RFC 5321 4.1.2)."
                : "has a local part with characters not allowed here: use letters, digits, UTF-8 and !#$%&'*+-/=?^_`{|}~ with single dots between them.";
            return false;
        }
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets)
        {
            error = $"has a local part longer than {MaxLocalPartOctets} octets.";
            return false;
        }
        if (!DomainRules.TryNormalize(domainText, out var domain, out var domainError))
        {
            error = "has a domain that " + domainError;
            return false;
        }
        if (Encoding.UTF8.GetByteCount(local) + 1 + domain.Length > MaxAddressOctets)
        {
            error = $"is longer than {MaxAddressOctets} octets.";
            return false;
        }
        address = new MailAddress(local.ToLowerInvariant(), domain);
        error = "";
        return true;
    }

    public static bool IsDotString(string local)
    {
        if (local.Length == 0 || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in local)
        {
            if (c != '.' && !IsAtext(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsQuotedString(string local)
    {
        if (local.Length < 2 || local[0] != '"' || local[^1] != '"')
        {
            return false;
        }
        for (var i = 1; i < local.Length - 1; i++)
        {
            var c = local[i];
            if (c == '\\')
            {
                if (++i >= local.Length - 1 || local[i] < 32 || local[i] > 126)
                {
                    return false;
                }
            }
            else if (!(c is >= ' ' and <= '~' && c != '"') && c < 0x80)
            {
                return false;
            }
            else if (c >= 0x80 && char.IsControl(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsAtext(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
        || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal)
        || (c >= 0x80 && !char.IsControl(c) && !char.IsWhiteSpace(c) && c != '\uFEFF');
}

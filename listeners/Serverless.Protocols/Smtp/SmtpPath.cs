using System.Net;

namespace Serverless.Protocols.Smtp;

/// <summary>An envelope address from MAIL FROM or RCPT TO, without source route and brackets.</summary>
/// <param name="LocalPart">As written; a quoted local part that needs no quotes is unquoted.</param>
/// <param name="Domain">A domain name (possibly a UTF-8 U-label) or an address literal in brackets; empty for <c>&lt;Postmaster&gt;</c>.</param>
public sealed record SmtpPath(string LocalPart, string Domain)
{
    public static readonly SmtpPath Null = new("", "");

    /// <summary>The null reverse-path <c>&lt;&gt;</c> (bounces).</summary>
    public bool IsNull => LocalPart.Length == 0 && Domain.Length == 0;

    /// <summary><c>RCPT TO:&lt;Postmaster&gt;</c> without a domain (RFC 5321 4.1.1.3).</summary>
    public bool IsBarePostmaster => Domain.Length == 0 && LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase);

    public bool IsAddressLiteral => Domain.StartsWith('[');

    public string Address => IsNull ? "" : Domain.Length == 0 ? LocalPart : LocalPart + "@" + Domain;

    /// <summary>False when the address needs SMTPUTF8 (RFC 6531).</summary>
    public bool IsAscii => System.Text.Ascii.IsValid(Address);

    public override string ToString() => "<" + Address + ">";
}

/// <summary>
/// Parses envelope paths. RFC 5321 4.1.2 with the RFC 6531 3.3 extensions for UTF-8:
/// <code>
/// Reverse-path   = Path / "&lt;&gt;"
/// Forward-path   = Path
/// Path           = "&lt;" [ A-d-l ":" ] Mailbox "&gt;"
/// A-d-l          = At-domain *( "," At-domain )   ; source route: accepted and ignored
/// At-domain      = "@" Domain
/// Mailbox        = Local-part "@" ( Domain / address-literal )
/// Local-part     = Dot-string / Quoted-string
/// Dot-string     = Atom *("." Atom)
/// Atom           = 1*atext                        ; atext =/ UTF8-non-ascii
/// Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
/// QcontentSMTP   = qtextSMTP / quoted-pairSMTP
/// qtextSMTP      = %d32-33 / %d35-91 / %d93-126  ; =/ UTF8-non-ascii
/// quoted-pairSMTP = %d92 %d32-126
/// Domain         = sub-domain *("." sub-domain)
/// sub-domain     = Let-dig [Ldh-str]              ; =/ U-label
/// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"
/// </code>
/// </summary>
public static class SmtpPathParser
{
    private const int MaxLocalPart = 64 * 4; // 64 octets; UTF-8 local parts may take up to 4 bytes a character
    private const int MaxDomain = 255;

    /// <summary>Parses a path starting at <paramref name="text"/>[<paramref name="index"/>] ("&lt;" expected); advances past "&gt;".</summary>
    public static SmtpParseResult<SmtpPath> Parse(string text, ref int index, bool allowNull, bool allowBarePostmaster)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (index >= text.Length || text[index] != '<')
        {
            return Fail("Address must be enclosed in <>");
        }
        index++;
        if (index < text.Length && text[index] == '>')
        {
            index++;
            return allowNull ? SmtpParseResult<SmtpPath>.Success(SmtpPath.Null) : Fail("Empty address is not allowed here");
        }
        if (index < text.Length && text[index] == '@')
        {
            // Source route (obsolete): skip "@domain,@domain:".
            var colon = text.IndexOf(':', index);
            if (colon < 0)
            {
                return Fail("Bad source route");
            }
            index = colon + 1;
        }
        string local;
        if (index < text.Length && text[index] == '"')
        {
            var quoted = ParseQuoted(text, ref index);
            if (quoted is null)
            {
                return Fail("Bad quoted local part");
            }
            local = quoted;
        }
        else
        {
            var start = index;
            while (index < text.Length && (IsAtext(text[index]) || text[index] == '.'))
            {
                index++;
            }
            local = text[start..index];
            if (!IsDotString(local))
            {
                return Fail("Bad local part");
            }
        }
        if (local.Length > MaxLocalPart)
        {
            return Fail("Local part too long");
        }
        if (index < text.Length && text[index] == '>' && allowBarePostmaster && local.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            index++;
            return SmtpParseResult<SmtpPath>.Success(new SmtpPath(local, ""));
        }
        if (index >= text.Length || text[index] != '@')
        {
            return Fail("Address must have a domain");
        }
        index++;
        var domainStart = index;
        if (index < text.Length && text[index] == '[')
        {
            var close = text.IndexOf(']', index);
            if (close < 0)
            {
                return Fail("Bad address literal");
            }
            index = close + 1;
            var literal = text[domainStart..index];
            if (!IsAddressLiteral(literal))
            {
                return Fail("Bad address literal");
            }
        }
        else
        {
            while (index < text.Length && text[index] != '>')
            {
                index++;
            }
            if (!IsDomain(text[domainStart..index]))
            {
                return Fail("Bad domain");
            }
        }
        var domain = text[domainStart..index];
        if (domain.Length > MaxDomain)
        {
            return Fail("Domain too long");
        }
        if (index >= text.Length || text[index] != '>')
        {
            return Fail("Address must be enclosed in <>");
        }
        index++;
        return SmtpParseResult<SmtpPath>.Success(new SmtpPath(local, domain));
    }

    private static SmtpParseResult<SmtpPath> Fail(string text) => SmtpParseResult<SmtpPath>.Fail(501, "5.1.3", text);

    private static string? ParseQuoted(string text, ref int index)
    {
        var sb = new System.Text.StringBuilder();
        index++; // opening quote
        while (index < text.Length)
        {
            var c = text[index];
            if (c == '"')
            {
                index++;
                var content = sb.ToString();
                // "john.doe"@x is john.doe@x: keep the quotes only where they are needed.
                return IsDotString(content) ? content : "\"" + Requote(content) + "\"";
            }
            if (c == '\\')
            {
                if (index + 1 >= text.Length || text[index + 1] < 32 || text[index + 1] > 126)
                {
                    return null;
                }
                sb.Append(text[index + 1]);
                index += 2;
                continue;
            }
            if (c < 32 || c == 127 || (c > 127 && !char.IsLetterOrDigit(c) && !char.IsPunctuation(c) && !char.IsSymbol(c) && !char.IsSurrogate(c)))
            {
                return null;
            }
            sb.Append(c);
            index++;
        }
        return null;
    }

    private static string Requote(string content) =>
        content.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>RFC 5322 atext, plus any non-ASCII character (RFC 6531 UTF8-non-ascii).</summary>
    public static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal) || (c > 127 && !char.IsControl(c) && !char.IsWhiteSpace(c));

    private static bool IsDotString(string s)
    {
        if (s.Length == 0 || s[0] == '.' || s[^1] == '.' || s.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in s)
        {
            if (c != '.' && !IsAtext(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Letters, digits and hyphens per label (or UTF-8 U-labels), labels of 1-63 characters.</summary>
    public static bool IsDomain(string s)
    {
        if (s.Length == 0 || s.Length > MaxDomain)
        {
            return false;
        }
        foreach (var label in s.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || (c > 127 && char.IsLetterOrDigit(c)) || (c > 127 && char.GetUnicodeCategory(c) is
                    System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark)))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool IsAddressLiteral(string s)
    {
        var inner = s[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.TryParse(inner[5..], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }
        var parts = inner.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }
}

using System.Text;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>
/// Writes the Authentication-Results header field (RFC 8601 2.2):
/// <code>
/// authres-header = "Authentication-Results:" [CFWS] authserv-id [ CFWS authres-version ]
///                  ( no-result / 1*resinfo ) [CFWS] CRLF
/// resinfo        = [CFWS] ";" methodspec [ CFWS reasonspec ] [ 1*( CFWS propspec ) ]
/// methodspec     = [CFWS] method [CFWS] "=" [CFWS] result
/// propspec       = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
/// </code>
/// One method per folded line. Values that came from the client are reduced to safe characters.
/// </summary>
public static class AuthenticationResultsHeader
{
    public static string Format(string authservId, SpfResult spf, string mailFrom, string? helo, IReadOnlyList<DkimSignatureResult> dkim, DmarcResult dmarc,
        string arc = "none")
    {
        ArgumentNullException.ThrowIfNull(dkim);
        ArgumentNullException.ThrowIfNull(dmarc);
        var sb = new StringBuilder("Authentication-Results: ").Append(Clean(authservId));
        sb.Append(";\r\n\tspf=").Append(Name(spf));
        if (mailFrom.Length > 0)
        {
            sb.Append(" smtp.mailfrom=").Append(Clean(mailFrom));
        }
        else
        {
            sb.Append(" smtp.helo=").Append(Clean(helo ?? "unknown"));
        }
        if (dkim.Count == 0)
        {
            sb.Append(";\r\n\tdkim=none");
        }
        foreach (var d in dkim)
        {
            sb.Append(";\r\n\tdkim=").Append(d.Result);
            if (d.Domain is not null)
            {
                sb.Append(" header.d=").Append(Clean(d.Domain));
            }
            if (d.Selector is not null)
            {
                sb.Append(" header.s=").Append(Clean(d.Selector));
            }
            if (d.SignatureStart is { Length: > 0 })
            {
                sb.Append(" header.b=").Append(Clean(d.SignatureStart));
            }
        }
        sb.Append(";\r\n\tdmarc=").Append(dmarc.Result);
        if (dmarc.Policy is not null)
        {
            sb.Append(" (p=").Append(dmarc.Policy).Append(')');
        }
        if (dmarc.FromDomain is not null)
        {
            sb.Append(" header.from=").Append(Clean(dmarc.FromDomain));
        }
        sb.Append(";\r\n\tarc=").Append(Clean(arc)); // RFC 8617 section 10.2: the chain validation status
        return sb.Append("\r\n").ToString();
    }

    public static string Name(SpfResult result) => result.ToString().ToLowerInvariant();

    public static SpfResult ParseSpf(string? name) =>
        Enum.TryParse<SpfResult>(name, ignoreCase: true, out var r) ? r : SpfResult.None;

    private static string Clean(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            sb.Append(char.IsControl(c) || char.IsWhiteSpace(c) || c is ';' or '(' or ')' or '"' or '\\' ? '_' : c);
        }
        return sb.ToString();
    }
}

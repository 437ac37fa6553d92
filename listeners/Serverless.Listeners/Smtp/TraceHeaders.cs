using System.Globalization;
using System.Text;

namespace Serverless.Listeners.Smtp;

/// <summary>
/// The trace fields the listener puts in front of a message (RFC 5321 4.4):
/// <code>
/// Return-path-line = "Return-Path:" FWS Reverse-path &lt;CRLF&gt;       ; MX only: this is the final delivery
/// Time-stamp-line  = "Received:" FWS Stamp &lt;CRLF&gt;
/// Stamp            = From-domain By-domain Opt-info [CFWS] ";" FWS date-time
/// From-domain      = "FROM" FWS Extended-Domain                      ; helo name (address literal)
/// By-domain        = CFWS "BY" FWS Extended-Domain
/// Opt-info         = [Via] [With] [ID] [For] [Additional-Registered-Clauses]
/// With             = CFWS "WITH" FWS Protocol                        ; ESMTP, ESMTPS, ESMTPSA, UTF8SMTPS... (RFC 3848, RFC 6531)
/// </code>
/// </summary>
public static class TraceHeaders
{
    public static byte[] Build(SmtpSession session, SmtpTransaction transaction, string id, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        var sb = new StringBuilder(256);
        if (!session.IsSubmission)
        {
            sb.Append("Return-Path: <").Append(transaction.MailFrom.ReversePath.Address).Append(">\r\n");
        }
        var helo = session.Helo ?? "unknown";
        sb.Append("Received: from ").Append(Clean(helo)).Append(" (").Append(session.ClientAddressLiteral).Append(")\r\n");
        sb.Append("\tby ").Append(session.Listener.HostName).Append(" (Serverless Mail) with ").Append(Protocol(session, transaction));
        if (session.Transport.IsTls)
        {
            sb.Append("\r\n\t(").Append(TlsName(session.Transport.TlsProtocol)).Append(" cipher ").Append(session.Transport.TlsCipher).Append(')');
        }
        sb.Append("\r\n\tid ").Append(id);
        if (transaction.Recipients.Count == 1)
        {
            sb.Append("\r\n\tfor <").Append(transaction.Recipients[0].Address).Append('>');
        }
        sb.Append(";\r\n\t").Append(receivedAt.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture))
            .Append(receivedAt.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal)).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>RFC 3848 / RFC 6531 protocol names: SMTP, ESMTP, +S for TLS, +A for AUTH, UTF8 prefix for SMTPUTF8.</summary>
    public static string Protocol(SmtpSession session, SmtpTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        var tls = session.Transport.IsTls ? "S" : "";
        var auth = session.User is not null ? "A" : "";
        if (transaction.MailFrom.SmtpUtf8)
        {
            return "UTF8SMTP" + tls + auth;
        }
        return (session.Extended ? "ESMTP" : "SMTP") + tls + auth;
    }

    private static string TlsName(System.Security.Authentication.SslProtocols? protocol) => protocol switch
    {
#pragma warning disable SYSLIB0039 // only naming what was negotiated
        System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
        System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
#pragma warning restore SYSLIB0039
        _ => "TLS",
    };

    /// <summary>The HELO name is client input: keep it to one printable token.</summary>
    private static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(char.IsControl(c) || c is ' ' or '(' or ')' or ';' ? '_' : c);
        }
        return sb.ToString();
    }
}

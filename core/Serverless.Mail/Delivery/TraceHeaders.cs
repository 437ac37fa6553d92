using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Mail.Delivery;

/// <summary>
/// The trace fields put in front of a received message (RFC 5321 4.4):
/// <code>
/// Return-path-line = "Return-Path:" FWS Reverse-path &lt;CRLF&gt;       ; MX only: this is the final delivery
/// Time-stamp-line  = "Received:" FWS Stamp &lt;CRLF&gt;
/// Stamp            = From-domain By-domain Opt-info [CFWS] ";" FWS date-time
/// From-domain      = "FROM" FWS Extended-Domain                      ; helo name (address literal)
/// By-domain        = CFWS "BY" FWS Extended-Domain
/// Opt-info         = [Via] [With] [ID] [For] [Additional-Registered-Clauses]
/// With             = CFWS "WITH" FWS Protocol                        ; ESMTP, ESMTPS, ESMTPSA, UTF8SMTPS... (RFC 3848, RFC 6531)
/// </code>
/// On submission the protocol says the session was authenticated (the "A"), never as whom: the
/// login name would go to every recipient (RFC 3848 only registers the protocol names; naming the
/// user is a choice, and we do not make it).
/// </summary>
public static class TraceHeaders
{
    public static byte[] Build(MessageEnvelope envelope, string id, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var sb = new StringBuilder(256);
        if (!envelope.Submission)
        {
            sb.Append("Return-Path: <").Append(envelope.Sender.Address).Append(">\r\n");
        }
        var helo = envelope.Helo ?? "unknown";
        sb.Append("Received: from ").Append(Clean(helo)).Append(" (").Append(AddressLiteral(envelope.ClientAddress)).Append(")\r\n");
        sb.Append("\tby ").Append(envelope.ReceivedBy).Append(" (Serverless Mail) with ").Append(Protocol(envelope));
        if (envelope.Tls is { } tls)
        {
            sb.Append("\r\n\t(").Append(TlsName(tls.Protocol)).Append(" cipher ").Append(tls.Cipher).Append(')');
        }
        sb.Append("\r\n\tid ").Append(id);
        if (envelope.Recipients.Count == 1)
        {
            sb.Append("\r\n\tfor <").Append(envelope.Recipients[0].Address).Append('>');
        }
        sb.Append(";\r\n\t").Append(receivedAt.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture))
            .Append(receivedAt.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal)).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>RFC 3848 / RFC 6531 protocol names: SMTP, ESMTP, +S for TLS, +A for AUTH, UTF8 prefix for SMTPUTF8.</summary>
    public static string Protocol(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var tls = envelope.Tls is not null ? "S" : "";
        var auth = envelope.User is not null ? "A" : "";
        if (envelope.Sender.SmtpUtf8)
        {
            return "UTF8SMTP" + tls + auth;
        }
        return (envelope.Extended ? "ESMTP" : "SMTP") + tls + auth;
    }

    /// <summary>RFC 5321 address literal of the client.</summary>
    public static string AddressLiteral(IPAddress? address) => address switch
    {
        null => "[unknown]",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"[IPv6:{address}]",
        _ => $"[{address}]",
    };
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

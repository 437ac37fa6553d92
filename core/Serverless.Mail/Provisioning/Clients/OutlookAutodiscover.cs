using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Serverless.Mail.Provisioning.Clients;

/// <summary>What an Autodiscover POX request asks: the address, and whether it accepts the Outlook response schema.</summary>
public sealed record AutodiscoverRequest(string Address, bool AcceptsOutlookSchema);

/// <summary>
/// Outlook's Autodiscover. POX (MS-OXDISCO; "Autodiscover XML schema" in the Exchange docs):
/// request <c>Autodiscover/Request/EMailAddress</c> in the 2006 request namespace; response in the
/// 2006 response namespace with a <c>Response</c> in the Outlook 2006a namespace holding one
/// <c>Account</c> (<c>AccountType</c> email, <c>Action</c> settings) and a <c>Protocol</c> per
/// server: IMAP, POP3, SMTP. v2 (JSON): <c>?Protocol=AutodiscoverV1</c> answers the POX URL;
/// other protocols (EWS, ActiveSync, …) are not offered, which v2 answers with 400 InvalidProtocol.
/// </summary>
public static class OutlookAutodiscover
{
    public static readonly XNamespace RequestNamespace = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
    public static readonly XNamespace ResponseNamespace = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    public static readonly XNamespace OutlookNamespace = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    /// <summary>The request, or null when it is not an Autodiscover request with an address (DTDs refused; at most 64 KiB read).</summary>
    public static async Task<AutodiscoverRequest?> ReadRequestAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > 64 * 1024)
            {
                return null;
            }
        }
        buffer.Position = 0;
        try
        {
            using var reader = XmlReader.Create(buffer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var document = XDocument.Load(reader);
            var request = document.Root?.Element(RequestNamespace + "Request");
            var address = request?.Element(RequestNamespace + "EMailAddress")?.Value.Trim();
            if (document.Root?.Name != RequestNamespace + "Autodiscover" || string.IsNullOrEmpty(address))
            {
                return null;
            }
            var schema = request!.Element(RequestNamespace + "AcceptableResponseSchema")?.Value.Trim();
            return new AutodiscoverRequest(address, string.IsNullOrEmpty(schema) || schema == OutlookNamespace.NamespaceName);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    public static byte[] Response(MailClientSettings settings, string address)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var o = OutlookNamespace;
        var p = settings.Ports;
        var account = new XElement(o + "Account",
            new XElement(o + "AccountType", "email"),
            new XElement(o + "Action", "settings"),
            // Implicit TLS where offered (SSL on), else STARTTLS (Encryption TLS).
            Protocol("IMAP", settings.Host, p.Imaps, p.Imap, address),
            Protocol("POP3", settings.Host, p.Pop3s, p.Pop3, address),
            Protocol("SMTP", settings.Host, p.Submissions, p.Submission, address));
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(ResponseNamespace + "Autodiscover",
                new XElement(o + "Response",
                    new XElement(o + "User", new XElement(o + "DisplayName", address)),
                    account)));
        return Xml.ToBytes(document);
    }

    private static XElement? Protocol(string type, string host, int implicitTlsPort, int startTlsPort, string address)
    {
        var o = OutlookNamespace;
        var port = implicitTlsPort > 0 ? implicitTlsPort : startTlsPort;
        if (port <= 0)
        {
            return null;
        }
        var protocol = new XElement(o + "Protocol",
            new XElement(o + "Type", type),
            new XElement(o + "Server", host),
            new XElement(o + "Port", port.ToString(CultureInfo.InvariantCulture)),
            new XElement(o + "DomainRequired", "off"),
            new XElement(o + "LoginName", address),
            new XElement(o + "SPA", "off"));
        protocol.Add(implicitTlsPort > 0 ? new XElement(o + "SSL", "on") : new XElement(o + "Encryption", "TLS"));
        protocol.Add(new XElement(o + "AuthRequired", "on"));
        if (type == "SMTP")
        {
            protocol.Add(new XElement(o + "UsePOPAuth", "on"), new XElement(o + "SMTPLast", "off"));
        }
        return protocol;
    }

    /// <summary>Autodiscover's error response (<c>ErrorCode</c> 600 is "Invalid Request").</summary>
    public static byte[] Error(string message)
    {
        var r = ResponseNamespace;
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(r + "Autodiscover",
                new XElement(r + "Response",
                    new XElement(r + "Error",
                        new XAttribute("Time", DateTime.UtcNow.ToString("HH:mm:ss.fffffff", CultureInfo.InvariantCulture)),
                        new XAttribute("Id", "0"),
                        new XElement(r + "ErrorCode", "600"),
                        new XElement(r + "Message", message),
                        new XElement(r + "DebugData")))));
        return Xml.ToBytes(document);
    }

    /// <summary>The v2 answer: 200 with the POX URL on <c>autodiscover.{domain}</c> for AutodiscoverV1, 400 InvalidProtocol otherwise.</summary>
    public static (int Status, byte[] Json) JsonAnswer(MailClientSettings settings, string? protocol)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.Equals(protocol, "AutodiscoverV1", StringComparison.OrdinalIgnoreCase))
        {
            return (200, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["Protocol"] = "AutodiscoverV1",
                ["Url"] = $"https://autodiscover.{settings.Domain}/autodiscover/autodiscover.xml",
            }));
        }
        return (400, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["ErrorCode"] = "InvalidProtocol",
            ["ErrorMessage"] = $"The given protocol value '{protocol}' is invalid. Supported values are 'AutodiscoverV1'.",
        }));
    }
}

using System.Globalization;
using System.Xml.Linq;

namespace Serverless.Mail.Provisioning.Clients;

/// <summary>
/// Mozilla's autoconfig document (<c>clientConfig version="1.1"</c>, no namespace; wiki.mozilla.org
/// "Thunderbird:Autoconfiguration:ConfigFileFormat"): IMAP and POP3 servers, implicit TLS first,
/// then SMTP submission. The user name is the placeholder <c>%EMAILADDRESS%</c>: logins are the
/// full address.
/// </summary>
public static class ThunderbirdAutoconfig
{
    public static byte[] Write(MailClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var p = settings.Ports;
        var provider = new XElement("emailProvider", new XAttribute("id", settings.Domain),
            new XElement("domain", settings.Domain),
            new XElement("displayName", settings.Domain + " mail"),
            new XElement("displayShortName", settings.Domain));
        provider.Add(Server("incomingServer", "imap", settings.Host, p.Imaps, "SSL"), Server("incomingServer", "imap", settings.Host, p.Imap, "STARTTLS"),
            Server("incomingServer", "pop3", settings.Host, p.Pop3s, "SSL"), Server("incomingServer", "pop3", settings.Host, p.Pop3, "STARTTLS"),
            Server("outgoingServer", "smtp", settings.Host, p.Submissions, "SSL"), Server("outgoingServer", "smtp", settings.Host, p.Submission, "STARTTLS"));
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("clientConfig", new XAttribute("version", "1.1"), provider));
        return Xml.ToBytes(document);
    }

    /// <summary>Nothing for a port of 0 (the service is not offered).</summary>
    private static XElement? Server(string element, string type, string host, int port, string socketType) =>
        port <= 0 ? null : new XElement(element, new XAttribute("type", type),
            new XElement("hostname", host),
            new XElement("port", port.ToString(CultureInfo.InvariantCulture)),
            new XElement("socketType", socketType),
            new XElement("authentication", "password-cleartext"),
            new XElement("username", "%EMAILADDRESS%"));
}

/// <summary>Writes XML as UTF-8 without a byte order mark.</summary>
internal static class Xml
{
    public static byte[] ToBytes(XDocument document)
    {
        using var stream = new MemoryStream();
        using (var writer = System.Xml.XmlWriter.Create(stream, new System.Xml.XmlWriterSettings
        {
            Encoding = new System.Text.UTF8Encoding(false),
            Indent = true,
        }))
        {
            document.Save(writer);
        }
        return stream.ToArray();
    }
}

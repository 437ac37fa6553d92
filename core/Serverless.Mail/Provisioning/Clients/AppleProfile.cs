using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;

namespace Serverless.Mail.Provisioning.Clients;

/// <summary>
/// An Apple configuration profile (a property list; Apple's "Configuration Profile Reference",
/// payload <c>com.apple.mail.managed</c>) with the mailbox's IMAP account and its SMTP server,
/// implicit TLS where offered. It carries no password: the device asks for it. Payload UUIDs are
/// derived from the address, so installing the profile again replaces the account instead of
/// adding a second one.
/// </summary>
public static class AppleProfile
{
    public const string ContentType = "application/x-apple-aspen-config";

    public static byte[] Write(MailClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var address = settings.Address ?? throw new ArgumentException("A profile is for one address.", nameof(settings));
        var p = settings.Ports;
        // UseSSL covers implicit TLS and STARTTLS alike; implicit TLS where offered.
        var inPort = p.Imaps > 0 ? p.Imaps : p.Imap;
        var outPort = p.Submissions > 0 ? p.Submissions : p.Submission;
        var identifier = "mail." + string.Join('.', settings.Domain.Split('.').Reverse());
        var account = Dict(
            ("EmailAccountDescription", Str(address)),
            ("EmailAccountName", Str(settings.DisplayName ?? address)),
            ("EmailAccountType", Str("EmailTypeIMAP")),
            ("EmailAddress", Str(address)),
            ("IncomingMailServerAuthentication", Str("EmailAuthPassword")),
            ("IncomingMailServerHostName", Str(settings.Host)),
            ("IncomingMailServerPortNumber", Int(inPort)),
            ("IncomingMailServerUseSSL", Bool(true)),
            ("IncomingMailServerUsername", Str(address)),
            ("OutgoingMailServerAuthentication", Str("EmailAuthPassword")),
            ("OutgoingMailServerHostName", Str(settings.Host)),
            ("OutgoingMailServerPortNumber", Int(outPort)),
            ("OutgoingMailServerUseSSL", Bool(true)),
            ("OutgoingMailServerUsername", Str(address)),
            ("OutgoingPasswordSameAsIncomingPassword", Bool(true)),
            ("PayloadDescription", Str("Mail account " + address)),
            ("PayloadDisplayName", Str(address)),
            ("PayloadIdentifier", Str(identifier + ".account." + Uuid(address, "account"))),
            ("PayloadType", Str("com.apple.mail.managed")),
            ("PayloadUUID", Str(Uuid(address, "account"))),
            ("PayloadVersion", Int(1)));
        var profile = Dict(
            ("PayloadContent", new XElement("array", account)),
            ("PayloadDescription", Str($"IMAP and SMTP settings for {address}.")),
            ("PayloadDisplayName", Str($"Mail ({address})")),
            ("PayloadIdentifier", Str(identifier + "." + Uuid(address, "profile"))),
            ("PayloadRemovalDisallowed", Bool(false)),
            ("PayloadType", Str("Configuration")),
            ("PayloadUUID", Str(Uuid(address, "profile"))),
            ("PayloadVersion", Int(1)));
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XElement("plist", new XAttribute("version", "1.0"), profile));
        return Xml.ToBytes(document);
    }

    /// <summary>The profile as CMS SignedData with the profile inside (what iOS and macOS show as "Verified").</summary>
    public static byte[] Sign(byte[] profile, string certificatePath, string? password)
    {
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password, X509KeyStorageFlags.EphemeralKeySet);
        var cms = new SignedCms(new ContentInfo(profile), detached: false);
        cms.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate) { IncludeOption = X509IncludeOption.WholeChain });
        return cms.Encode();
    }

    private static XElement Dict(params (string Key, XElement Value)[] entries) =>
        new("dict", entries.SelectMany(e => new[] { new XElement("key", e.Key), e.Value }));

    private static XElement Str(string value) => new("string", value);

    private static XElement Int(int value) => new("integer", value.ToString(CultureInfo.InvariantCulture));

    private static XElement Bool(bool value) => new(value ? "true" : "false");

    /// <summary>A stable UUID per address and payload (name-based: the first 16 bytes of a SHA-256).</summary>
    private static string Uuid(string address, string payload)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(payload + "|" + address.ToLowerInvariant()));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString().ToUpperInvariant();
    }
}

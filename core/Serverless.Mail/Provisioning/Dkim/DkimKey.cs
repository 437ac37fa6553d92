using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>
/// A domain's DKIM key: RSA-2048, published at <c>{Selector}._domainkey.{Domain}</c>. The private
/// key never leaves the server; use <see cref="CreateSigner"/> to sign outgoing mail with it.
/// </summary>
public sealed class DkimKey
{
    private readonly AsymmetricKeyParameter _privateKey;

    public DkimKey(string domain, string selector, string privateKeyPem)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        ArgumentException.ThrowIfNullOrEmpty(selector);
        ArgumentException.ThrowIfNullOrEmpty(privateKeyPem);
        Domain = domain;
        Selector = selector;
        PrivateKeyPem = privateKeyPem;
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        PublicKeyBase64 = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        _privateKey = DotNetUtilities.GetRsaKeyPair(rsa.ExportParameters(includePrivateParameters: true)).Private;
    }

    /// <summary>The private key, for signers other than <see cref="CreateSigner"/> (ARC sealing).</summary>
    public AsymmetricKeyParameter PrivateKey => _privateKey;

    /// <summary>The signing domain (d=), lowercase ASCII.</summary>
    public string Domain { get; }

    /// <summary>The selector (s=).</summary>
    public string Selector { get; }

    /// <summary>PKCS#8 PEM of the private key. Keep it server side.</summary>
    public string PrivateKeyPem { get; }

    /// <summary>The public key as base64 SubjectPublicKeyInfo, the form DKIM's <c>p=</c> tag carries.</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>Owner name of the TXT record that publishes the public key.</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>Text of that TXT record (RFC 6376 3.6.1).</summary>
    public string RecordValue => $"v=DKIM1; k=rsa; p={PublicKeyBase64}";

    /// <summary>Headers worth signing on submitted mail (RFC 6376 5.4.1), From first as the RFC requires. A new array each time.</summary>
    public static HeaderId[] RecommendedHeaders =>
    [
        HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.ReplyTo,
        HeaderId.InReplyTo, HeaderId.References, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding,
    ];

    /// <summary>
    /// A MimeKit signer for this key (rsa-sha256, relaxed/relaxed canonicalisation). Cheap: the key
    /// is parsed once per <see cref="DkimKey"/>. Sign with <c>signer.Sign(message, RecommendedHeaders)</c>.
    /// </summary>
    public DkimSigner CreateSigner() => new(_privateKey, Domain, Selector, DkimSignatureAlgorithm.RsaSha256)
    {
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
    };

    /// <summary>Generates a fresh RSA-2048 key pair.</summary>
    public static DkimKey Generate(string domain, string selector)
    {
        using var rsa = RSA.Create(2048);
        return new DkimKey(domain, selector, rsa.ExportPkcs8PrivateKeyPem());
    }
}

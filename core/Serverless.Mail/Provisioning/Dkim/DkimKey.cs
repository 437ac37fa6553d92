using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>
/// A domain's DKIM key: RSA-2048, or Ed25519 (RFC 8463) for the second signature a domain may ask
/// for, published at <c>{Selector}._domainkey.{Domain}</c>. The private key never leaves the server;
/// use <see cref="CreateSigner"/> to sign outgoing mail with it. The BCL has no Ed25519, so that
/// key is BouncyCastle's (which MimeKit signs and verifies with); both are stored as PKCS#8 PEM.
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
        if (Ed25519Key(privateKeyPem) is { } ed25519)
        {
            IsEd25519 = true;
            _privateKey = ed25519;
            // RFC 8463 section 4: p= is the raw 32-byte public key, not a SubjectPublicKeyInfo.
            PublicKeyBase64 = Convert.ToBase64String(ed25519.GeneratePublicKey().GetEncoded());
            return;
        }
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        PublicKeyBase64 = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        _privateKey = DotNetUtilities.GetRsaKeyPair(rsa.ExportParameters(includePrivateParameters: true)).Private;
    }

    /// <summary>The private key, for signers other than <see cref="CreateSigner"/> (ARC sealing).</summary>
    public AsymmetricKeyParameter PrivateKey => _privateKey;

    /// <summary>An Ed25519 key (k=ed25519, a=ed25519-sha256); otherwise RSA.</summary>
    public bool IsEd25519 { get; }

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
    public string RecordValue => $"v=DKIM1; k={(IsEd25519 ? "ed25519" : "rsa")}; p={PublicKeyBase64}";

    /// <summary>Headers worth signing on submitted mail (RFC 6376 5.4.1), From first as the RFC requires. A new array each time.</summary>
    public static HeaderId[] RecommendedHeaders =>
    [
        HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.ReplyTo,
        HeaderId.InReplyTo, HeaderId.References, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding,
    ];

    /// <summary>
    /// A MimeKit signer for this key (rsa-sha256 or ed25519-sha256, relaxed/relaxed canonicalisation). Cheap: the key
    /// is parsed once per <see cref="DkimKey"/>. Sign with <c>signer.Sign(message, RecommendedHeaders)</c>.
    /// </summary>
    public DkimSigner CreateSigner() => new(_privateKey, Domain, Selector, IsEd25519 ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256)
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

    /// <summary>Generates a fresh Ed25519 key pair (RFC 8463).</summary>
    public static DkimKey GenerateEd25519(string domain, string selector)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(generator.GenerateKeyPair().Private).GetEncoded();
        return new DkimKey(domain, selector, new string(PemEncoding.Write("PRIVATE KEY", der)));
    }

    /// <summary>The Ed25519 key in a PKCS#8 PEM, or null when the PEM holds another kind (RSA).</summary>
    private static Ed25519PrivateKeyParameters? Ed25519Key(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || !pem.AsSpan()[fields.Label].SequenceEqual("PRIVATE KEY"))
        {
            return null;
        }
        var info = PrivateKeyInfo.GetInstance(Convert.FromBase64String(pem[fields.Base64Data]));
        return info.PrivateKeyAlgorithm.Algorithm.Equals(EdECObjectIdentifiers.id_Ed25519) ? (Ed25519PrivateKeyParameters)PrivateKeyFactory.CreateKey(info) : null;
    }
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Serverless.Mail.Outbound;

/// <summary>
/// How the relay judges a server certificate. Opportunistic STARTTLS takes any certificate (as
/// every MTA does: encryption without authentication beats plaintext); where TLS is required —
/// the smart host, an MTA-STS enforce policy, the policy fetch — the certificate must validate for
/// the host name, or be one of the pinned <see cref="OutboundOptions.TrustedCertificates"/>.
/// </summary>
public sealed class TlsCertificatePolicy(OutboundOptions options)
{
    private readonly HashSet<string> _pinned = options.TrustedCertificates
        .Select(t => t.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant())
        .Where(t => t.Length > 0)
        .ToHashSet(StringComparer.Ordinal);

    public bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || _pinned.Count == 0)
        {
            return false;
        }
        var hash = Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
        return _pinned.Contains(hash);
    }

    public RemoteCertificateValidationCallback Verified => (_, certificate, _, errors) => IsTrusted(certificate, errors);

    // Opportunistic security (RFC 7435): an MX without a usable certificate still gets encryption.
#pragma warning disable CA5359
    public static RemoteCertificateValidationCallback AnyCertificate => (_, _, _, _) => true;
#pragma warning restore CA5359
}

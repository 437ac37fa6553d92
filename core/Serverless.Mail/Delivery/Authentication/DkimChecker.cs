using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>One DKIM-Signature's verdict, named as in Authentication-Results.</summary>
public sealed record DkimSignatureResult(string Result, string? Domain, string? Selector, string? SignatureStart);

/// <summary>
/// Verifies a message's DKIM signatures (RFC 6376) with MimeKit's <see cref="DkimVerifier"/>;
/// keys come from DNS (<c>{selector}._domainkey.{domain}</c> TXT) through DnsClient.
/// </summary>
public sealed class DkimChecker(DnsAnswers dns)
{
    private const int MaxSignatures = 5;

    public async Task<IReadOnlyList<DkimSignatureResult>> CheckAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var results = new List<DkimSignatureResult>();
        var verifier = new DkimVerifier(new DnsKeyLocator(dns));
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures))
        {
            var tags = Tags(header.Value);
            tags.TryGetValue("d", out var domain);
            tags.TryGetValue("s", out var selector);
            tags.TryGetValue("b", out var b);
            var start = b is null ? null : new string(b.Where(c => !char.IsWhiteSpace(c)).Take(8).ToArray());
            string result;
            try
            {
                result = await verifier.VerifyAsync(message, header, cancellationToken).ConfigureAwait(false) ? "pass" : "fail";
            }
            catch (DnsTemporaryException)
            {
                result = "temperror";
            }
            catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                result = "permerror"; // malformed signature, unknown algorithm, no usable key
            }
            results.Add(new DkimSignatureResult(result, domain?.Trim().ToLowerInvariant(), selector?.Trim(), start));
        }
        return results;
    }

    private static Dictionary<string, string> Tags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in value.Split(';'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                tags[part[..eq].Trim()] = part[(eq + 1)..].Trim();
            }
        }
        return tags;
    }

    /// <summary>Public keys from DNS (also used for ARC, <see cref="ArcChecker"/>).</summary>
    internal sealed class DnsKeyLocator(DnsAnswers dns) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Keys are looked up asynchronously only.");

        public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            var records = await dns.TxtAsync($"{selector}._domainkey.{domain}", cancellationToken).ConfigureAwait(false);
            var record = records.FirstOrDefault(r => r.Contains("p=", StringComparison.Ordinal))
                ?? throw new KeyNotFoundException($"No DKIM key at {selector}._domainkey.{domain}");
            return GetPublicKey(record);
        }
    }
}

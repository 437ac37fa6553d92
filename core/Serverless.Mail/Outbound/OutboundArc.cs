using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;

namespace Serverless.Mail.Outbound;

/// <summary>
/// Seals mail an alias forwards to the internet with an ARC set (RFC 8617): ARC-Authentication-Results
/// carrying our own Authentication-Results (the one with our authserv-id that arrival put in front),
/// ARC-Message-Signature and ARC-Seal, signed with the forwarding domain's DKIM key (rsa-sha256,
/// relaxed/relaxed, the same header list as <see cref="OutboundDkim"/>). The seal's <c>cv=</c> is the
/// inbound chain's result, which that header records as <c>arc=</c>. A message whose existing ARC
/// headers MimeKit cannot read, or a domain without a key, goes on unsealed (logged).
/// </summary>
public sealed partial class OutboundArc(RecipientResolver resolver, IDkimSigningKeys keys, DeliveryOptions delivery, ILogger<OutboundArc> logger)
{
    /// <summary>Seals in place; true when an ARC set was added.</summary>
    public async Task<bool> SealAsync(MimeMessage message, string forwardingDomain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(forwardingDomain);
        var domain = await resolver.GetHostedDomainAsync(forwardingDomain, cancellationToken).ConfigureAwait(false);
        var key = domain?.DkimSelector is { Length: > 0 } selector
            ? await keys.GetPrivateKeyAsync(domain.Name, selector, cancellationToken).ConfigureAwait(false)
            : null;
        if (domain is null || key is null)
        {
            LogNoKey(forwardingDomain);
            return false;
        }
        var signer = new Sealer(key, domain.Name, domain.DkimSelector!, OurResults(message, delivery.HostName))
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        var present = OutboundDkim.SignedHeaders.Where(h => h == HeaderId.From || message.Headers.Contains(h)).ToList();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        try
        {
            await signer.SignAsync(format, message, present, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            LogUnsealable(forwardingDomain, e.Message);
            return false;
        }
    }

    /// <summary>Our verdict from arrival; a message without one (it never came through the MX) says only that it had no chain we checked.</summary>
    public static AuthenticationResults OurResults(MimeMessage message, string authservId)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ours = message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults)
            .Select(h => AuthenticationResults.TryParse(h.RawValue, out var parsed) ? parsed : null)
            .FirstOrDefault(r => r is not null && string.Equals(r.AuthenticationServiceIdentifier, authservId, StringComparison.OrdinalIgnoreCase));
        var results = new AuthenticationResults(authservId);
        foreach (var r in ours?.Results ?? [])
        {
            results.Results.Add(r);
        }
        if (!results.Results.Any(r => string.Equals(r.Method, "arc", StringComparison.OrdinalIgnoreCase)))
        {
            results.Results.Add(new AuthenticationMethodResult("arc", "none"));
        }
        return results;
    }

    private sealed class Sealer(AsymmetricKeyParameter key, string domain, string selector, AuthenticationResults results)
        : ArcSigner(key, domain, selector, DkimSignatureAlgorithm.RsaSha256)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => results;

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(results);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forward through {Domain} leaves without ARC: the domain has no DKIM key")]
    private partial void LogNoKey(string domain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forward through {Domain} leaves without ARC: {Reason}")]
    private partial void LogUnsealable(string domain, string reason);
}

using MimeKit;
using MimeKit.Cryptography;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>
/// Verifies an arriving message's ARC chain (RFC 8617) with MimeKit's <see cref="ArcVerifier"/>, keys
/// from DNS like DKIM's. The result is what Authentication-Results records as <c>arc=</c> and what our
/// own ARC-Seal carries on as <c>cv=</c> when the message is forwarded: <c>none</c> (no ARC set),
/// <c>pass</c>, or <c>fail</c> (a broken chain, a bad signature, a key that cannot be found).
/// </summary>
public sealed class ArcChecker(DnsAnswers dns)
{
    public async Task<string> CheckAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.Headers.Contains(HeaderId.ArcSeal) && !message.Headers.Contains(HeaderId.ArcMessageSignature)
            && !message.Headers.Contains(HeaderId.ArcAuthenticationResults))
        {
            return "none";
        }
        try
        {
            var result = await new ArcVerifier(new DkimChecker.DnsKeyLocator(dns)).VerifyAsync(message, cancellationToken).ConfigureAwait(false);
            return result.Chain == ArcSignatureValidationResult.Pass ? "pass" : "fail";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return "fail"; // malformed headers or keys: a chain we cannot vouch for
        }
    }
}

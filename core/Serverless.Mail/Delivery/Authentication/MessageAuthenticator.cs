using System.Net;
using MimeKit;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>What the sender checks found: the header to prepend and where the message should go.</summary>
public sealed record AuthenticationVerdict(string Header, bool Junk, SpfResult Spf, IReadOnlyList<DkimSignatureResult> Dkim, DmarcResult Dmarc, string Arc = "none");

/// <summary>
/// SPF, DKIM, DMARC and ARC (chain verified, result recorded; it does not change the verdict) for mail from the internet, ending in an RFC 8601 Authentication-Results
/// header. A message whose domain publishes a DMARC policy of quarantine or reject and fails it,
/// or that fails SPF outright without passing DMARC, is filed into Junk rather than refused: the
/// checks run after the message was accepted, and Junk keeps it visible to its recipient.
/// </summary>
public sealed class MessageAuthenticator(SpfEvaluator spf, DkimChecker dkim, DmarcEvaluator dmarc, DeliveryOptions options, ArcChecker? arc = null)
{
    public async Task<SpfResult> CheckSpfAsync(IPAddress? client, string mailFrom, string? helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        if (client is null)
        {
            return SpfResult.None;
        }
        var identity = mailFrom.Length > 0 ? mailFrom : helo ?? "";
        return await spf.CheckAsync(client, identity, helo, cancellationToken).ConfigureAwait(false);
    }

    public async Task<AuthenticationVerdict> CheckAsync(MimeMessage message, string mailFrom, string? helo, SpfResult spfResult, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(mailFrom);
        var signatures = await dkim.CheckAsync(message, cancellationToken).ConfigureAwait(false);
        var fromMailboxes = message.From.Mailboxes.ToList();
        var fromDomain = fromMailboxes.Count == 1 ? fromMailboxes[0].Domain : null;
        var at = mailFrom.LastIndexOf('@');
        var mailFromDomain = at >= 0 ? mailFrom[(at + 1)..] : helo;
        var verdict = await dmarc.CheckAsync(fromDomain, mailFromDomain, spfResult, signatures, cancellationToken).ConfigureAwait(false);
        var chain = arc is null ? "none" : await arc.CheckAsync(message, cancellationToken).ConfigureAwait(false);
        var junk = verdict.WantsQuarantine || (spfResult == SpfResult.Fail && verdict.Result != "pass");
        var header = AuthenticationResultsHeader.Format(options.HostName, spfResult, mailFrom, helo, signatures, verdict, chain);
        return new AuthenticationVerdict(header, junk, spfResult, signatures, verdict, chain);
    }
}

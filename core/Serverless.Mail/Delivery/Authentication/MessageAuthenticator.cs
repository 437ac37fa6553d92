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

    /// <summary>
    /// Starts, at MAIL FROM, the DMARC lookups the message will most likely need (its From: domain
    /// is usually the envelope's), so the check after DATA finds them cached. Never fails.
    /// </summary>
    public Task WarmDmarcAsync(string mailFrom, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        var at = mailFrom.LastIndexOf('@');
        return at < 0 ? Task.CompletedTask : dmarc.WarmAsync(mailFrom[(at + 1)..], cancellationToken);
    }

    public async Task<AuthenticationVerdict> CheckAsync(MimeMessage message, string mailFrom, string? helo, SpfResult spfResult, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(mailFrom);
        IReadOnlyList<DkimSignatureResult> signatures;
        try
        {
            signatures = await dkim.CheckAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A check that breaks says so in the header; it never silently says nothing.
            signatures = [new DkimSignatureResult("temperror", null, null, null)];
        }
        var at = mailFrom.LastIndexOf('@');
        var mailFromDomain = at >= 0 ? mailFrom[(at + 1)..] : helo;
        var authors = AuthorDomains(message);
        DmarcResult verdict;
        try
        {
            verdict = authors.Single
                ? await dmarc.CheckAsync(authors.Domains[0], mailFromDomain, spfResult, signatures, cancellationToken).ConfigureAwait(false)
                : await dmarc.CheckAmbiguousAuthorAsync(authors.Domains, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            verdict = new DmarcResult("temperror", null, authors.Domains.Count > 0 ? authors.Domains[0] : null);
        }
        string chain;
        try
        {
            chain = arc is null ? "none" : await arc.CheckAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            chain = "temperror";
        }
        var junk = verdict.WantsQuarantine || (spfResult == SpfResult.Fail && verdict.Result != "pass");
        var header = AuthenticationResultsHeader.Format(options.HostName, spfResult, mailFrom, helo, signatures, verdict, chain);
        return new AuthenticationVerdict(header, junk, spfResult, signatures, verdict, chain);
    }

    /// <summary>
    /// The domains of every mailbox in every From: field (groups included). <c>Single</c> when there is
    /// exactly one field with exactly one mailbox: the only shape DMARC can align (RFC 7489 6.6.1).
    /// </summary>
    private static (bool Single, IReadOnlyList<string> Domains) AuthorDomains(MimeMessage message)
    {
        var fields = message.Headers.Where(h => h.Id == HeaderId.From).ToList();
        var domains = new List<string>();
        foreach (var field in fields)
        {
            if (InternetAddressList.TryParse(ParserOptions.Default, field.RawValue, out var list))
            {
                domains.AddRange(list.Mailboxes.Select(m => m.Domain ?? ""));
            }
        }
        return (fields.Count == 1 && domains.Count == 1 && domains[0].Length > 0, domains.Where(d => d.Length > 0).ToList());
    }
}

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>A DMARC verdict: result ("pass", "fail", "none", "temperror", "permerror") and the policy that applies.</summary>
public sealed record DmarcResult(string Result, string? Policy, string? FromDomain)
{
    /// <summary>The domain owner asks for failing mail to be quarantined or rejected.</summary>
    public bool WantsQuarantine => Result == "fail" && Policy is "quarantine" or "reject";
}

/// <summary>
/// DMARC (RFC 7489): the RFC 5322.From domain must be aligned with a passing SPF (MAIL FROM domain)
/// or a passing DKIM signature (d=). Policy record grammar (RFC 7489 6.4):
/// <code>
/// dmarc-record = dmarc-version dmarc-sep [dmarc-request] [dmarc-sep dmarc-srequest] ... [dmarc-sep]
/// dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31    ; "DMARC1"
/// dmarc-request = "p" *WSP "=" *WSP ( "none" / "quarantine" / "reject" )
/// dmarc-adkim / dmarc-aspf = ( "adkim" / "aspf" ) *WSP "=" *WSP ( "r" / "s" )
/// </code>
/// The organisational domain comes from the Public Suffix List (<see cref="PublicSuffixList"/>).
/// A message whose author is not one mailbox in one From: field fails (RFC 7489 6.6.1, see
/// <see cref="CheckAmbiguousAuthorAsync"/>).
/// </summary>
public sealed class DmarcEvaluator(DnsAnswers dns)
{
    public async Task<DmarcResult> CheckAsync(string? fromDomain, string? mailFromDomain, SpfResult spf, IReadOnlyList<DkimSignatureResult> dkim,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dkim);
        if (string.IsNullOrEmpty(fromDomain) || !Accounts.MailAddress.TryNormalizeDomain(fromDomain, out var from))
        {
            return new DmarcResult("none", null, null);
        }
        Dictionary<string, string>? record;
        var subdomain = false;
        try
        {
            record = await FindRecordAsync(from, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                var org = OrganizationalDomain(from);
                if (org != from)
                {
                    record = await FindRecordAsync(org, cancellationToken).ConfigureAwait(false);
                    subdomain = true;
                }
            }
        }
        catch (DnsTemporaryException)
        {
            return new DmarcResult("temperror", null, from);
        }
        if (record is null)
        {
            return new DmarcResult("none", null, from);
        }
        if (!record.TryGetValue("p", out var policy) || policy is not ("none" or "quarantine" or "reject"))
        {
            return new DmarcResult("permerror", null, from);
        }
        if (subdomain && record.TryGetValue("sp", out var sp) && sp is "none" or "quarantine" or "reject")
        {
            policy = sp;
        }
        var strictDkim = record.TryGetValue("adkim", out var adkim) && adkim == "s";
        var strictSpf = record.TryGetValue("aspf", out var aspf) && aspf == "s";
        var spfAligned = spf == SpfResult.Pass && mailFromDomain is not null && Aligned(from, mailFromDomain.ToLowerInvariant(), strictSpf);
        var dkimAligned = dkim.Any(d => d.Result == "pass" && d.Domain is not null && Aligned(from, d.Domain, strictDkim));
        return new DmarcResult(spfAligned || dkimAligned ? "pass" : "fail", policy, from);
    }

    /// <summary>
    /// Looks up the policy of <paramref name="domain"/> (and of its organizational domain when it
    /// has none) ahead of the message, so the DNS caches hold it by the time the From: header names
    /// it — usually the envelope sender's domain. Only a warm-up: never fails.
    /// </summary>
    public async Task WarmAsync(string domain, CancellationToken cancellationToken = default)
    {
        if (!Accounts.MailAddress.TryNormalizeDomain(domain, out var from))
        {
            return;
        }
        try
        {
            if (await FindRecordAsync(from, cancellationToken).ConfigureAwait(false) is null && OrganizationalDomain(from) is var org && org != from)
            {
                await FindRecordAsync(org, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is DnsTemporaryException or OperationCanceledException or DnsClient.DnsResponseException)
        {
            // The check after DATA asks again and reports what it finds.
        }
    }

    /// <summary>
    /// For a message whose From: holds no mailbox or several, or that has several From: fields: there is
    /// no one author domain to align with, so the result is "fail" (RFC 7489 6.6.1), under the strictest
    /// policy any of the named domains publishes (none published: no policy to apply).
    /// </summary>
    public async Task<DmarcResult> CheckAmbiguousAuthorAsync(IReadOnlyList<string> fromDomains, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fromDomains);
        string? strictest = null;
        string? named = null;
        foreach (var raw in fromDomains.Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxAuthorDomains))
        {
            if (!Accounts.MailAddress.TryNormalizeDomain(raw, out var domain))
            {
                continue;
            }
            named ??= domain;
            Dictionary<string, string>? record;
            try
            {
                record = await FindRecordAsync(domain, cancellationToken).ConfigureAwait(false);
                if (record is null && OrganizationalDomain(domain) is var org && org != domain)
                {
                    record = await FindRecordAsync(org, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (DnsTemporaryException)
            {
                return new DmarcResult("temperror", null, domain);
            }
            if (record is not null && record.TryGetValue("p", out var p) && Strictness(p) > Strictness(strictest))
            {
                strictest = p;
                named = domain;
            }
        }
        return new DmarcResult("fail", strictest, named);
    }

    /// <summary>Author domains looked up for a message with several; a message naming more gains nothing by it.</summary>
    private const int MaxAuthorDomains = 5;

    private static int Strictness(string? policy) => policy switch
    {
        "reject" => 3,
        "quarantine" => 2,
        "none" => 1,
        _ => 0,
    };

    private async Task<Dictionary<string, string>?> FindRecordAsync(string domain, CancellationToken cancellationToken)
    {
        var records = (await dns.TxtAsync("_dmarc." + domain, cancellationToken).ConfigureAwait(false))
            .Where(t => t.TrimStart().StartsWith("v=DMARC1", StringComparison.OrdinalIgnoreCase)).ToList();
        if (records.Count != 1)
        {
            return null; // none, or more than one: no policy (RFC 7489 6.6.3)
        }
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in records[0].Split(';'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                tags[part[..eq].Trim()] = part[(eq + 1)..].Trim().ToLowerInvariant();
            }
        }
        return tags;
    }

    private static bool Aligned(string fromDomain, string other, bool strict) =>
        strict ? fromDomain == other : OrganizationalDomain(fromDomain) == OrganizationalDomain(other);

    public static string OrganizationalDomain(string domain) => PublicSuffixList.Default.OrganizationalDomain(domain);
}

using System.Security.Cryptography;
using System.Text;
using DnsClient;
using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Outbound;

namespace Serverless.Mail.Provisioning;

/// <summary>What a verification attempt came to.</summary>
public sealed record DomainProof(DomainRecord? Domain, string? Refusal);

/// <summary>
/// Proof that a tenant controls a domain: the TXT record <c>_serverless-mail.{domain}</c> holding
/// <c>serverless-mail-verify={token}</c>, looked up on <c>Mail:Dns:Servers</c> without the shared
/// DNS cache (a record just published must count). Verification makes the claim the domain's host
/// (the first to verify wins); the daily re-check returns a host whose record has been missing for
/// <see cref="ProvisioningOptions.DomainRecordGracePeriod"/> to pending and tells its postmaster.
/// </summary>
public sealed partial class DomainOwnership
{
    public const string RecordPrefix = "_serverless-mail.";
    public const string ValuePrefix = "serverless-mail-verify=";

    private readonly MailDirectory _directory;
    private readonly RecipientResolver _resolver;
    private readonly MessageStore _store;
    private readonly MailboxIndex _index;
    private readonly ProvisioningOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DomainOwnership> _logger;
    private readonly DnsAnswers _dns;

    public DomainOwnership(MailDirectory directory, RecipientResolver resolver, MessageStore store, MailboxIndex index, MailDns dns,
        ProvisioningOptions options, TimeProvider time, ILogger<DomainOwnership> logger)
    {
        ArgumentNullException.ThrowIfNull(dns);
        _directory = directory;
        _resolver = resolver;
        _store = store;
        _index = index;
        _options = options;
        _time = time;
        _logger = logger;
        _dns = new DnsAnswers(new LookupClient(new LookupClientOptions([.. dns.Client.NameServers])
        {
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(5),
            Retries = 2,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            UseTcpFallback = true,
        }));
    }

    public static string RecordName(string domain) => RecordPrefix + domain;

    public static string RecordValue(string token) => ValuePrefix + token;

    /// <summary>
    /// Verifies a tenant's claim: by DNS, or without it when <paramref name="force"/> (the caller
    /// checks that only the admin may). A refusal says what was found instead.
    /// </summary>
    public async Task<DomainProof> VerifyAsync(DomainRecord claim, bool force, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        switch (claim.Status)
        {
            case DomainStatus.Verified:
                return new DomainProof(claim, null);
            case DomainStatus.Superseded:
                return new DomainProof(null, $"Domain '{claim.Name}' has been verified by another tenant; this claim is superseded.");
        }
        if (!force)
        {
            if (claim.VerificationToken is not { } token)
            {
                return new DomainProof(null, $"Domain '{claim.Name}' has no verification token.");
            }
            bool found;
            string detail;
            try
            {
                (found, detail) = await LookAsync(claim.Name, token, cancellationToken).ConfigureAwait(false);
            }
            catch (DnsTemporaryException e)
            {
                return new DomainProof(null, e.Message);
            }
            if (!found)
            {
                return new DomainProof(null, detail);
            }
        }
        var hosted = await _directory.HostDomainAsync(claim, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _resolver.Forget(claim.Name);
        return hosted is null
            ? new DomainProof(null, $"Domain '{claim.Name}' has been verified by another tenant; this claim is superseded.")
            : new DomainProof(hosted, null);
    }

    /// <summary>
    /// The daily re-check of every hosted domain: a found record clears the miss, the first miss
    /// is remembered, and a record missing for the grace period returns the domain to pending.
    /// A DNS failure (SERVFAIL, timeout) counts as neither. Domains hosted before verification
    /// existed (no token) are left alone. Returns the domains returned to pending.
    /// </summary>
    public async Task<IReadOnlyList<string>> RecheckAsync(CancellationToken cancellationToken = default)
    {
        var demoted = new List<string>();
        foreach (var domain in await _directory.ListHostedDomainsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (domain.VerificationToken is not { } token)
            {
                continue;
            }
            bool found;
            string detail;
            try
            {
                (found, detail) = await LookAsync(domain.Name, token, cancellationToken).ConfigureAwait(false);
            }
            catch (DnsTemporaryException e)
            {
                LogRecheckFailed(e, domain.Name);
                continue;
            }
            var now = _time.GetUtcNow();
            if (found)
            {
                if (domain.MissingSince is not null)
                {
                    await _directory.SetDomainMissingSinceAsync(domain.Name, null, cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            var since = domain.MissingSince ?? now;
            if (now - since < _options.DomainRecordGracePeriod)
            {
                if (domain.MissingSince is null)
                {
                    await _directory.SetDomainMissingSinceAsync(domain.Name, now, cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            // Who to tell is resolved while the domain is still hosted; afterwards it resolves to nobody.
            var postmaster = await _resolver.ResolveAsync(MailAddress.Parse("postmaster@" + domain.Name), cancellationToken).ConfigureAwait(false);
            if (await _directory.UnhostDomainAsync(domain.TenantId, domain.Name, cancellationToken).ConfigureAwait(false))
            {
                _resolver.Forget(domain.Name);
                demoted.Add(domain.Name);
                await TellPostmasterAsync(domain, postmaster, since, detail, now, cancellationToken).ConfigureAwait(false);
            }
        }
        return demoted;
    }

    private async Task<(bool Found, string Detail)> LookAsync(string domain, string token, CancellationToken cancellationToken)
    {
        var name = RecordName(domain);
        var expected = RecordValue(token);
        IReadOnlyList<string> texts;
        try
        {
            texts = await _dns.TxtAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsTemporaryException e)
        {
            throw new DnsTemporaryException($"The TXT lookup of {name} failed ({e.Message}); try again later.", e);
        }
        if (texts.Any(t => string.Equals(t.Trim(), expected, StringComparison.Ordinal)))
        {
            return (true, "");
        }
        var detail = texts.Count == 0
            ? $"No TXT record found at {name}; expected \"{expected}\"."
            : $"TXT records found at {name}: {string.Join(", ", texts.Select(t => "\"" + t + "\""))}; expected \"{expected}\".";
        return (false, detail);
    }

    /// <summary>Files a notice into the postmaster's mailbox(es); logged instead when postmaster reaches no mailbox here.</summary>
    private async Task TellPostmasterAsync(DomainRecord domain, ResolvedRecipient postmaster, DateTimeOffset since, string detail, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        LogDemoted(domain.Name, domain.TenantId, since);
        if (postmaster.Mailboxes.Count == 0)
        {
            LogNobodyTold(domain.Name, domain.TenantId);
            return;
        }
        using var notice = new MimeMessage();
        notice.From.Add(new MailboxAddress("Serverless Mail", "postmaster@" + domain.Name));
        notice.To.Add(new MailboxAddress("", "postmaster@" + domain.Name));
        notice.Subject = $"{domain.Name} is no longer verified";
        notice.Date = now;
        notice.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(domain.Name);
        notice.Body = new TextPart("plain")
        {
            Text = $"The verification record of {domain.Name} has been missing since {since:u}.\r\n{detail}\r\n\r\n"
                + $"The domain is pending again: mail for it is no longer accepted or delivered here. Publish the TXT record "
                + $"{RecordName(domain.Name)} again and verify the domain (POST /api/tenants/{domain.TenantId}/domains/{domain.Name}/verify).\r\n",
        };
        using var bytes = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await notice.WriteToAsync(format, bytes, cancellationToken).ConfigureAwait(false);
        foreach (var mailbox in postmaster.Mailboxes)
        {
            try
            {
                var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"unverified|{domain.Name}|{since:O}|{mailbox.MailboxId}"));
                var blobName = $"{now.UtcDateTime:yyyy'/'MM'/'dd}/{Convert.ToHexStringLower(hash.AsSpan(0, 16))}.eml";
                await using (var writer = _store.CreateWriter(blobName))
                {
                    await writer.WriteAsync(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await writer.CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (Azure.RequestFailedException e) when (e.Status is 409 or 412)
                    {
                        // written by an earlier run that stopped before filing it
                    }
                }
                bytes.Position = 0;
                var (summary, parsed) = await MessageSummaryBuilder.BuildAsync(bytes, cancellationToken).ConfigureAwait(false);
                parsed.Dispose();
                await _index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage
                {
                    BlobName = blobName,
                    Size = bytes.Length,
                    InternalDate = now,
                    Summary = summary,
                    DedupeKey = $"unverified|{domain.Name}|{since:O}",
                }, cancellationToken).ConfigureAwait(false);
                LogTold(domain.Name, mailbox.Address);
            }
            catch (Exception e) when (e is Azure.RequestFailedException or IOException)
            {
                LogNobodyTold(domain.Name, domain.TenantId);
                LogNoticeFailed(e, domain.Name, mailbox.Address);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Domain {Domain} of tenant {Tenant} returned to pending: its verification record has been missing since {Since}")]
    private partial void LogDemoted(string domain, string tenant, DateTimeOffset since);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Domain {Domain} of tenant {Tenant}: no postmaster mailbox to tell that it returned to pending (this log entry is the notice)")]
    private partial void LogNobodyTold(string domain, string tenant);

    [LoggerMessage(Level = LogLevel.Information, Message = "Domain {Domain}: the notice that it returned to pending was filed for {Mailbox}")]
    private partial void LogTold(string domain, string mailbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Domain {Domain}: the notice for {Mailbox} could not be filed")]
    private partial void LogNoticeFailed(Exception e, string domain, string mailbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Domain {Domain}: the daily verification re-check could not look up DNS; it counts as neither found nor missing")]
    private partial void LogRecheckFailed(Exception e, string domain);
}

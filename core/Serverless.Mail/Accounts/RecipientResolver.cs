using System.Collections.Concurrent;
using Serverless.Mail.Forwarding;

namespace Serverless.Mail.Accounts;

/// <summary>Where mail for one envelope recipient goes.</summary>
public sealed record ResolvedRecipient
{
    /// <summary>True when the recipient's domain is hosted here.</summary>
    public bool Hosted { get; init; }

    /// <summary>Local mailboxes that get a copy (aliases fanned out, duplicates removed).</summary>
    public IReadOnlyList<MailboxRecord> Mailboxes { get; init; } = [];

    /// <summary>External forwarding targets reached through aliases.</summary>
    public IReadOnlyList<string> ExternalTargets { get; init; } = [];

    /// <summary>The tenant owning the domain, when hosted.</summary>
    public string? TenantId { get; init; }

    /// <summary>Hosted, and at least one deliverable destination exists.</summary>
    public bool Deliverable => Mailboxes.Count > 0 || ExternalTargets.Count > 0;
}

/// <summary>
/// Resolves envelope recipients: exact mailbox, alias (fanned out recursively, loops cut), then the
/// domain's catch-all; postmaster, if still nobody, is the domain's first mailbox. Domain rows are cached briefly because every RCPT asks for them.
/// Only verified domains are hosted (a pending claim's addresses go to the internet like any
/// foreign domain's), and an address row of a tenant other than the domain's host — left by a
/// tenant whose domain went back to pending and was then proven by another — counts as absent.
/// </summary>
public sealed class RecipientResolver
{
    private const int MaxDepth = 8;
    private static readonly TimeSpan DomainCacheLifetime = TimeSpan.FromSeconds(30);
    private readonly MailDirectory _directory;
    private readonly SenderRewriting? _srs;
    private readonly ConcurrentDictionary<string, (DomainRecord? Domain, DateTimeOffset Expires)> _domains = new(StringComparer.Ordinal);

    public RecipientResolver(MailDirectory directory, SenderRewriting? srs = null)
    {
        _directory = directory;
        _srs = srs;
    }

    /// <summary>The tenant's verified domain, or null when no tenant has proven it (cached 30 seconds).</summary>
    public async Task<DomainRecord?> GetHostedDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        if (_domains.TryGetValue(domain, out var cached) && cached.Expires > now)
        {
            return cached.Domain;
        }
        var d = await _directory.GetDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        if (_domains.Count > 10_000)
        {
            _domains.Clear();
        }
        _domains[domain] = (d, now + DomainCacheLifetime);
        return d;
    }

    /// <summary>
    /// Drops the cached answer for a domain whose hosting just changed (verified or returned to
    /// pending), so this process sees it at once; other processes see it within the cache lifetime.
    /// </summary>
    public void Forget(string domain) => _domains.TryRemove(domain, out _);

    public async Task<ResolvedRecipient> ResolveAsync(MailAddress address, CancellationToken cancellationToken = default)
    {
        var domain = await GetHostedDomainAsync(address.Domain, cancellationToken).ConfigureAwait(false);
        if (domain is null)
        {
            return new ResolvedRecipient { Hosted = false };
        }
        if (_srs is not null && SrsCodec.IsSrs(address.LocalPart))
        {
            // A bounce (or reply) to the envelope sender of a forward: back to the original sender when
            // the hash and date check out; anything else reaches nobody (550), so it is no open relay.
            var reversal = _srs.Reverse(address.LocalPart);
            return new ResolvedRecipient
            {
                Hosted = true,
                TenantId = domain.TenantId,
                ExternalTargets = reversal.Status == SrsStatus.Valid && MailAddress.TryParse(reversal.Original, out _) ? [reversal.Original!] : [],
            };
        }
        var mailboxes = new Dictionary<string, MailboxRecord>(StringComparer.Ordinal);
        var external = new List<string>();
        await ExpandAsync(address, domain.TenantId, mailboxes, external, new HashSet<string>(StringComparer.Ordinal), 0, cancellationToken).ConfigureAwait(false);
        if (mailboxes.Count == 0 && external.Count == 0 && IsPostmaster(address))
        {
            // RFC 5321 4.5.1: postmaster must reach someone, and the DNS records we publish send
            // DMARC and TLS-RPT reports there. Without a mailbox, alias or catch-all of its own it
            // goes to the domain's first mailbox; an alias named postmaster chooses otherwise.
            if (await _directory.FirstMailboxAsync(address.Domain, cancellationToken).ConfigureAwait(false) is { } first && first.TenantId == domain.TenantId)
            {
                mailboxes[first.MailboxId] = first;
            }
        }
        return new ResolvedRecipient
        {
            Hosted = true,
            TenantId = domain.TenantId,
            Mailboxes = mailboxes.Values.ToList(),
            ExternalTargets = external.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
        };
    }

    private static bool IsPostmaster(MailAddress address) => address.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase);

    private async Task ExpandAsync(MailAddress address, string hostTenant, Dictionary<string, MailboxRecord> mailboxes, List<string> external, HashSet<string> seen,
        int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxDepth || !seen.Add(address.Address))
        {
            return;
        }
        var entry = await _directory.GetAddressAsync(address, cancellationToken).ConfigureAwait(false);
        if ((entry is AddressEntry.Mailbox { Record.TenantId: var mt } && mt != hostTenant) || (entry is AddressEntry.Alias { Record.TenantId: var at } && at != hostTenant))
        {
            entry = null;
        }
        IReadOnlyList<string>? targets = null;
        switch (entry)
        {
            case AddressEntry.Mailbox m:
                if (m.Record.Enabled)
                {
                    mailboxes.TryAdd(m.Record.MailboxId, m.Record);
                }
                return;
            case AddressEntry.Alias a:
                targets = a.Record.Targets;
                break;
            case null:
                var catchAll = await _directory.GetCatchAllAsync(address.Domain, cancellationToken).ConfigureAwait(false);
                targets = catchAll?.TenantId == hostTenant ? catchAll.Targets : null;
                break;
        }
        foreach (var target in targets ?? [])
        {
            if (!MailAddress.TryParse(target, out var t))
            {
                continue;
            }
            if (await GetHostedDomainAsync(t.Domain, cancellationToken).ConfigureAwait(false) is not { } hosted)
            {
                external.Add(target);
            }
            else
            {
                await ExpandAsync(t, hosted.TenantId, mailboxes, external, seen, depth + 1, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

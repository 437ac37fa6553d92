using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Outbound;

namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>
/// DKIM key rotation in three steps, so no message is ever signed with a key DNS does not have:
/// <list type="number">
/// <item><see cref="StartAsync"/>: a new key under a new selector; both records are published
/// (the domain's <c>dnsRecords</c> list both), signing stays with the old key.</item>
/// <item>The switch (<see cref="AdvanceAsync"/>, hourly): once DNS serves the new record —
/// looked up on <c>Mail:Dns:Servers</c> without the cache — or after
/// <see cref="ProvisioningOptions.DkimSwitchAfter"/>, signing moves to the new selector; the old
/// one is still listed, for mail already signed with it.</item>
/// <item>Retirement: <see cref="ProvisioningOptions.DkimRetireAfter"/> after the switch the old key
/// is deleted and its record leaves <c>dnsRecords</c>.</item>
/// </list>
/// </summary>
public sealed partial class DkimRotation
{
    private readonly MailDirectory _directory;
    private readonly DkimKeyStore _keys;
    private readonly RecipientResolver _resolver;
    private readonly ProvisioningOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DkimRotation> _logger;
    private readonly LookupClient _dns;

    public DkimRotation(MailDirectory directory, DkimKeyStore keys, RecipientResolver resolver, MailDns dns, ProvisioningOptions options, ILogger<DkimRotation> logger,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        (_directory, _keys, _resolver, _options, _logger, _time) = (directory, keys, resolver, options, logger, time ?? TimeProvider.System);
        // A record just published must count: no cache (as the DNS check).
        _dns = new LookupClient(new LookupClientOptions([.. dns.Client.NameServers]) { UseCache = false, Timeout = TimeSpan.FromSeconds(5), ThrowDnsErrors = false });
    }

    /// <summary>Makes the new key and lists it beside the current one. Conflict while a rotation is under way or the domain has no key.</summary>
    public async Task<ProvisioningOutcome<DomainRecord>> StartAsync(DomainRecord domain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.DkimSelector is null)
        {
            return ProvisioningError.Conflict($"Domain '{domain.Name}' has no DKIM key to rotate.");
        }
        if (domain.DkimNextSelector is { } next)
        {
            return ProvisioningError.Conflict($"A rotation to selector '{next}' is under way; signing switches once DNS serves its record.");
        }
        if (domain.DkimRetiringSelector is { } old)
        {
            return ProvisioningError.Conflict($"The previous key (selector '{old}') has not retired yet; rotate again after {domain.DkimRetiringSince + _options.DkimRetireAfter:u}.");
        }
        var key = await _keys.CreateAsync(domain.Name, cancellationToken).ConfigureAwait(false);
        var rotated = domain with { DkimNextSelector = key.Selector, DkimNextSince = _time.GetUtcNow() };
        try
        {
            await _directory.SetDkimSelectorsAsync(rotated, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _keys.DeleteAsync(domain.Name, key.Selector, CancellationToken.None).ConfigureAwait(false); // the key first, and taken back if the rows were not written
            throw;
        }
        return rotated;
    }

    /// <summary>Switches and retires what is due on every hosted domain (the hourly timer). Returns how many domains changed.</summary>
    public async Task<int> AdvanceAsync(CancellationToken cancellationToken = default)
    {
        var changed = 0;
        foreach (var domain in await _directory.ListHostedDomainsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (domain.DkimNextSelector is null && domain.DkimRetiringSelector is null)
            {
                continue;
            }
            if (await AdvanceAsync(domain, cancellationToken).ConfigureAwait(false))
            {
                changed++;
            }
        }
        return changed;
    }

    private async Task<bool> AdvanceAsync(DomainRecord domain, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var next = domain;
        string? retired = null;
        if (domain.DkimRetiringSelector is { } old && now - (domain.DkimRetiringSince ?? now) >= _options.DkimRetireAfter)
        {
            next = next with { DkimRetiringSelector = null, DkimRetiringSince = null };
            retired = old;
        }
        if (domain.DkimNextSelector is { } selector && next.DkimRetiringSelector is null)
        {
            var key = await _keys.GetAsync(domain.Name, selector, cancellationToken).ConfigureAwait(false);
            var published = key is not null && await PublishedAsync(key, cancellationToken).ConfigureAwait(false);
            if (published || now - (domain.DkimNextSince ?? now) >= _options.DkimSwitchAfter)
            {
                next = next with
                {
                    DkimSelector = selector, DkimNextSelector = null, DkimNextSince = null,
                    DkimRetiringSelector = domain.DkimSelector, DkimRetiringSince = now,
                };
                LogSwitched(domain.Name, domain.DkimSelector, selector, published ? "its record is in DNS" : "the switch delay passed");
            }
        }
        if (next == domain)
        {
            return false;
        }
        await _directory.SetDkimSelectorsAsync(next, cancellationToken).ConfigureAwait(false);
        _resolver.Forget(domain.Name); // this process signs with the new selector at once; others within the resolver's 30 s
        if (retired is not null)
        {
            await _keys.DeleteAsync(domain.Name, retired, cancellationToken).ConfigureAwait(false);
            LogRetired(domain.Name, retired);
        }
        return true;
    }

    /// <summary>DNS serves the key's record with its public key (other tags may differ).</summary>
    private async Task<bool> PublishedAsync(DkimKey key, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _dns.QueryAsync(key.RecordName, QueryType.TXT, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException)
        {
            return false; // no answer is not an answer: look again next hour
        }
        return !response.HasError && response.Answers.OfType<TxtRecord>()
            .Any(t => string.Concat(t.Text).Replace(" ", "", StringComparison.Ordinal).Contains("p=" + key.PublicKeyBase64, StringComparison.Ordinal));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DKIM of {Domain}: signing switched from selector {Old} to {New} ({Why})")]
    private partial void LogSwitched(string domain, string? old, string @new, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "DKIM of {Domain}: selector {Selector} retired, its key deleted")]
    private partial void LogRetired(string domain, string selector);
}

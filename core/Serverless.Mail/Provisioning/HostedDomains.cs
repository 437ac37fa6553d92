using Azure;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Dkim;

namespace Serverless.Mail.Provisioning;

/// <summary>
/// Adds and removes a tenant's domains together with their DKIM keys, so there is never a domain
/// without its key: the key is made first and the domain row after it; if the row cannot be
/// written the key is deleted again.
/// </summary>
public sealed partial class HostedDomains
{
    private readonly MailDirectory _directory;
    private readonly DkimKeyStore _dkim;
    private readonly MailboxRemoval _removal;
    private readonly ILogger<HostedDomains> _logger;

    public HostedDomains(MailDirectory directory, DkimKeyStore dkim, MailboxRemoval removal, ILogger<HostedDomains> logger)
    {
        _directory = directory;
        _dkim = dkim;
        _removal = removal;
        _logger = logger;
    }

    /// <summary>
    /// Claims <paramref name="domain"/> (lowercase ASCII) for a tenant: pending, or hosted at once
    /// when <paramref name="verified"/>. A name another tenant has verified, or the tenant's own
    /// second claim, throws <see cref="DirectoryConflictException"/>; other tenants' pending claims do not matter.
    /// </summary>
    public async Task<(DomainRecord Domain, DkimKey Key)> AddAsync(string tenantId, string domain, bool verified, CancellationToken cancellationToken = default)
    {
        // Cheap check first so a taken name does not cost a key; the row insert below is the real guard.
        if (await _directory.GetDomainAsync(domain, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new DirectoryConflictException($"Domain '{domain}' is already hosted.");
        }
        var key = await _dkim.CreateAsync(domain, cancellationToken).ConfigureAwait(false);
        try
        {
            var record = await _directory.AddDomainAsync(tenantId, domain, key.Selector, MailDirectory.NewVerificationToken(), verified, cancellationToken)
                .ConfigureAwait(false);
            return (record, key);
        }
        catch
        {
            await _dkim.DeleteAsync(domain, key.Selector, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Removes a tenant's domain claim: the tenant's aliases always (never another tenant's — a
    /// pending or superseded claim may share the name with a domain someone else hosts), its mailboxes only with <paramref name="force"/>
    /// (otherwise <see cref="DirectoryConflictException"/> while any exist), then the domain row,
    /// then the DKIM key. Addresses go before the row, so an interrupted removal can be run again.
    /// Returns true when some mailbox's contents are still being removed in the background.
    /// </summary>
    public async Task<bool> RemoveAsync(DomainRecord domain, bool force, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (!force && await _directory.HasMailboxesAsync(domain.Name, domain.TenantId, cancellationToken).ConfigureAwait(false))
        {
            throw new DirectoryConflictException($"Domain '{domain.Name}' still has mailboxes; delete them first or pass force=true.");
        }
        var background = false;
        string? continuation = null;
        do
        {
            var (items, next) = await _directory.ListAddressesAsync(domain.Name, continuation, 100, cancellationToken).ConfigureAwait(false);
            foreach (var entry in items.Where(e => (e is AddressEntry.Mailbox m ? m.Record.TenantId : ((AddressEntry.Alias)e).Record.TenantId) == domain.TenantId))
            {
                switch (entry)
                {
                    case AddressEntry.Mailbox m:
                        await _removal.RemoveAsync(m.Record, allowInline: false, cancellationToken).ConfigureAwait(false);
                        background = true;
                        break;
                    case AddressEntry.Alias a:
                        var local = a.Record.IsCatchAll ? null : MailAddress.Parse(a.Record.Address).LocalPart;
                        await _directory.DeleteAliasAsync(domain.TenantId, domain.Name, local, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
            continuation = next;
        }
        while (continuation is not null);
        await _directory.DeleteDomainAsync(domain.TenantId, domain.Name, cancellationToken).ConfigureAwait(false);
        foreach (var selector in new[] { domain.DkimSelector, domain.DkimNextSelector, domain.DkimRetiringSelector, domain.DkimEd25519Selector }.OfType<string>())
        {
            try
            {
                await _dkim.DeleteAsync(domain.Name, selector, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException)
            {
                // The domain is gone; a leftover key signs nothing. Logged so it can be cleaned up.
                LogKeyLeft(e, domain.Name, selector);
            }
        }
        return background;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Domain {Domain} removed but its DKIM key (selector {Selector}) could not be deleted")]
    private partial void LogKeyLeft(Exception e, string domain, string selector);
}

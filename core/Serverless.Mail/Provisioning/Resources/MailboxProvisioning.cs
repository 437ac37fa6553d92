using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>Mailboxes in a tenant's domains, with usage, quota and password.</summary>
public sealed class MailboxProvisioning(MailDirectory directory, MailboxIndex index, MailboxRemoval removal, ProvisioningOptions options, TenantQuotaProvisioning quotas)
{
    public async Task<ProvisioningOutcome<MailboxView>> CreateAsync(string tenant, CreateMailbox request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AddressRules.TryParseHosted(request.Address, out var address, out var error))
        {
            return ProvisioningError.Invalid("address", error);
        }
        var refused = await OwnDomainAsync(directory, tenant, address.Domain, "address", cancellationToken)
            ?? CheckPassword(request.Password)
            ?? TextRules.ControlCharacters("displayName", request.DisplayName)
            ?? await quotas.CheckNewMailboxAsync(tenant, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }
        var created = await directory.CreateMailboxAsync(tenant, address, request.Password, request.DisplayName, request.QuotaBytes ?? 0, cancellationToken);
        return MailboxView.From(created);
    }

    /// <summary>A page of the tenant's mailboxes.</summary>
    public async Task<ProvisioningOutcome<ListView<MailboxView>>> ListAsync(string tenant, AddressPage page, CancellationToken cancellationToken)
    {
        var outcome = await AddressListing.PageAsync(directory, tenant, page, AddressKind.Mailbox, cancellationToken);
        if (outcome.Error is { } error)
        {
            return error;
        }
        var (items, next) = outcome.Value;
        return new ListView<MailboxView>(items.OfType<AddressEntry.Mailbox>().Select(m => MailboxView.From(m.Record)).ToList(), next);
    }

    public async Task<ProvisioningOutcome<MailboxDetailView>> GetAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, address, cancellationToken) is not { } m)
        {
            return NotFound(address);
        }
        var usage = await index.GetUsageAsync(m.MailboxId, cancellationToken) ?? new MailboxUsage(0, 0);
        return new MailboxDetailView(m.Address, m.DisplayName, m.QuotaBytes, m.Enabled, m.CreatedAt, new UsageView(usage.Messages, usage.Bytes));
    }

    public async Task<ProvisioningOutcome<MailboxView>> UpdateAsync(string tenant, string address, UpdateMailbox request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request is { DisplayName: null, QuotaBytes: null, Enabled: null })
        {
            return ProvisioningError.Invalid("body", "must change at least one of displayName, quotaBytes, enabled.");
        }
        if (TextRules.ControlCharacters("displayName", request.DisplayName) is { } error)
        {
            return error;
        }
        if (!AddressRules.TryParseHosted(address, out var parsed, out _))
        {
            return NotFound(address);
        }
        var updated = await directory.UpdateMailboxAsync(tenant, parsed, request.DisplayName, request.QuotaBytes, request.Enabled, cancellationToken);
        return updated is null ? NotFound(address) : MailboxView.From(updated);
    }

    public async Task<ProvisioningOutcome<Done>> SetPasswordAsync(string tenant, string address, SetPassword request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (CheckPassword(request.Password) is { } error)
        {
            return error;
        }
        if (!AddressRules.TryParseHosted(address, out var parsed, out _)
            || !await directory.SetPasswordAsync(tenant, parsed, request.Password, cancellationToken))
        {
            return NotFound(address);
        }
        return Done.Instance;
    }

    /// <summary>Removed when everything is gone; RemovingInBackground when the contents of a large mailbox go on being removed.</summary>
    public async Task<ProvisioningOutcome<(MailboxRemovalOutcome Outcome, MailboxDeletionView Deletion)>> DeleteAsync(string tenant, string address,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, address, cancellationToken) is not { } m)
        {
            return NotFound(address);
        }
        var outcome = await removal.RemoveAsync(m, allowInline: true, cancellationToken);
        return (outcome, new MailboxDeletionView(m.Address, "removing"));
    }

    private ProvisioningError? CheckPassword(string password)
    {
        if (password.Length < options.MinPasswordLength)
        {
            return ProvisioningError.Invalid("password", $"must be at least {options.MinPasswordLength} characters long.");
        }
        return TextRules.ControlCharacters("password", password);
    }

    private async Task<MailboxRecord?> FindAsync(string tenant, string address, CancellationToken cancellationToken) =>
        AddressRules.TryParseHosted(address, out var parsed, out _) ? await directory.GetMailboxAsync(tenant, parsed, cancellationToken) : null;

    private static ProvisioningError NotFound(string address) => ProvisioningError.NotFound($"Mailbox '{address}' not found.");

    /// <summary>
    /// An error naming <paramref name="field"/> when <paramref name="domain"/> is not one of the
    /// tenant's domains, or not verified: addresses exist only in hosted domains, so a pending
    /// claim never takes an address from the tenant that proves the domain.
    /// </summary>
    internal static async Task<ProvisioningError?> OwnDomainAsync(MailDirectory directory, string tenant, string domain, string field, CancellationToken cancellationToken) =>
        await directory.GetDomainAsync(tenant, domain, cancellationToken) switch
        {
            null => ProvisioningError.Invalid(field, $"is in '{domain}', which is not one of this tenant's domains."),
            { Status: DomainStatus.Verified } => null,
            var d => ProvisioningError.Invalid(field, $"is in '{domain}', which is {d.Status.ToString().ToLowerInvariant()}; verify the domain first."),
        };
}

using Serverless.Mail.Accounts;
using Serverless.Mail.Usage;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>A tenant's limits (each 0 = unlimited); see <see cref="TenantQuotas"/>.</summary>
public sealed record TenantQuotaLimitsView(long StoredBytes, long Mailboxes, long MessagesPerDay)
{
    public static TenantQuotaLimitsView From(TenantQuotas q) => new(q.StoredBytes, q.Mailboxes, q.MessagesPerDay);
}

/// <summary>What the tenant uses of them now: bytes in its mailboxes, how many mailboxes, messages in + out this UTC day (as the usage rows hold them).</summary>
public sealed record TenantQuotaUsageView(long StoredBytes, long Mailboxes, long MessagesToday);

public sealed record TenantQuotasView(string Tenant, TenantQuotaLimitsView Limits, TenantQuotaUsageView Usage);

/// <summary>Tenant quotas: set by the admin (a tenant cannot raise its own), read by the tenant or the admin with the usage against them.</summary>
public sealed class TenantQuotaProvisioning(MailDirectory directory, TenantQuotaGate gate)
{
    public async Task<ProvisioningOutcome<TenantQuotasView>> GetAsync(string tenant, CancellationToken cancellationToken)
    {
        var status = await gate.ReadAsync(tenant, cancellationToken);
        return status is null ? NotFound(tenant) : View(tenant, status);
    }

    /// <summary>Replaces all three limits; a null one is 0 (unlimited). Lowering a limit below the usage refuses new mail, never deletes any.</summary>
    public async Task<ProvisioningOutcome<TenantQuotasView>> SetAsync(string tenant, long? storedBytes, long? mailboxes, long? messagesPerDay, CancellationToken cancellationToken)
    {
        foreach (var (field, value) in new[] { ("storedBytes", storedBytes), ("mailboxes", mailboxes), ("messagesPerDay", messagesPerDay) })
        {
            if (value < 0)
            {
                return ProvisioningError.Invalid(field, "must be 0 (unlimited) or more.");
            }
        }
        if (!await directory.SetTenantQuotasAsync(tenant, new TenantQuotas(storedBytes ?? 0, mailboxes ?? 0, messagesPerDay ?? 0), cancellationToken))
        {
            return NotFound(tenant);
        }
        gate.Forget(tenant);
        return await GetAsync(tenant, cancellationToken);
    }

    /// <summary>Conflict when the tenant already has as many mailboxes as its limit allows (checked when a mailbox is created).</summary>
    public async Task<ProvisioningError?> CheckNewMailboxAsync(string tenant, CancellationToken cancellationToken)
    {
        var limit = (await directory.GetTenantAsync(tenant, cancellationToken))?.Quotas.Mailboxes ?? 0;
        if (limit <= 0)
        {
            return null;
        }
        var count = await gate.CountMailboxesAsync(tenant, cancellationToken);
        return count >= limit
            ? ProvisioningError.Conflict($"Tenant '{tenant}' has {count} mailbox(es), its quota allows {limit}; delete one or ask the operator to raise the quota.")
            : null;
    }

    private static TenantQuotasView View(string tenant, TenantQuotaStatus s) =>
        new(tenant, TenantQuotaLimitsView.From(s.Limits), new TenantQuotaUsageView(s.StoredBytes, s.Mailboxes, s.MessagesToday));

    private static ProvisioningError NotFound(string tenant) => ProvisioningError.NotFound($"Tenant '{tenant}' not found.");
}

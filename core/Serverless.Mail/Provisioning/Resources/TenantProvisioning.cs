using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>Tenants: created and deleted by the admin; a tenant key may read its own tenant.</summary>
public sealed class TenantProvisioning(MailDirectory directory, HostedDomains domains)
{
    /// <summary>A tenant with its first API key (there is never a tenant without one).</summary>
    public async Task<ProvisioningOutcome<CreatedTenantView>> CreateAsync(CreateTenant request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.Id;
        if (!TenantIdRules.IsValid(id))
        {
            return ProvisioningError.Invalid("id", TenantIdRules.Explanation);
        }
        var displayName = request.DisplayName ?? id;
        if (TextRules.ControlCharacters("displayName", displayName) is { } error)
        {
            return error;
        }
        var tenant = await directory.CreateTenantAsync(id, displayName, cancellationToken);
        (ApiKeyRecord Record, string Plaintext) key;
        try
        {
            key = await directory.CreateApiKeyAsync(id, cancellationToken);
        }
        catch
        {
            // No tenant without its first key.
            await directory.DeleteTenantAsync(id, CancellationToken.None);
            throw;
        }
        return new CreatedTenantView(tenant.Id, tenant.DisplayName, tenant.CreatedAt, key.Record.KeyId, key.Plaintext);
    }

    public async Task<ListView<TenantView>> ListAsync(CancellationToken cancellationToken)
    {
        var tenants = await directory.ListTenantsAsync(cancellationToken);
        return new ListView<TenantView>(tenants.Select(TenantView.From).ToList(), null);
    }

    public async Task<ProvisioningOutcome<TenantView>> GetAsync(string tenant, CancellationToken cancellationToken)
    {
        var record = await directory.GetTenantAsync(tenant, cancellationToken);
        return record is null ? ProvisioningError.NotFound($"Tenant '{tenant}' not found.") : TenantView.From(record);
    }

    /// <summary>Conflict while the tenant has domains, unless <paramref name="force"/>: then its domains, mailboxes and aliases go too.</summary>
    public async Task<ProvisioningOutcome<Done>> DeleteAsync(string tenant, bool force, CancellationToken cancellationToken)
    {
        var owned = await directory.ListDomainsAsync(tenant, cancellationToken);
        if (owned.Count > 0 && !force)
        {
            return ProvisioningError.Conflict($"Tenant '{tenant}' still has {owned.Count} domain(s); delete them first or pass force=true.");
        }
        foreach (var d in owned)
        {
            await domains.RemoveAsync(d, force: true, cancellationToken);
        }
        await directory.DeleteTenantAsync(tenant, cancellationToken);
        return Done.Instance;
    }
}

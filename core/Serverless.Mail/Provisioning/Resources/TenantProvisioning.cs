using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Api;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>/tenants: created and deleted by the admin; a tenant key may read its own tenant.</summary>
public sealed class TenantProvisioning(ApiGate gate, MailDirectory directory, HostedDomains domains)
{
    public Task<IActionResult> CreateAsync(HttpRequest request) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateTenant, call.Cancellation);
        var id = body.GetString("id")!;
        if (!TenantIdRules.IsValid(id))
        {
            throw new ApiProblemException(ApiProblem.Invalid("id", TenantIdRules.Explanation));
        }
        var displayName = body.GetString("displayName") ?? id;
        TextRules.RequireNoControlCharacters("displayName", displayName);
        var tenant = await directory.CreateTenantAsync(id, displayName, call.Cancellation);
        (ApiKeyRecord Record, string Plaintext) key;
        try
        {
            key = await directory.CreateApiKeyAsync(id, call.Cancellation);
        }
        catch
        {
            // No tenant without its first key.
            await directory.DeleteTenantAsync(id, CancellationToken.None);
            throw;
        }
        return ApiResult.Created($"/api/tenants/{id}", new CreatedTenantView(tenant.Id, tenant.DisplayName, tenant.CreatedAt, key.Record.KeyId, key.Plaintext));
    });

    public Task<IActionResult> ListAsync(HttpRequest request) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
    {
        var tenants = await directory.ListTenantsAsync(call.Cancellation);
        return ApiResult.Ok(new ListView<TenantView>(tenants.Select(TenantView.From).ToList(), null));
    });

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var record = await directory.GetTenantAsync(call.Tenant, call.Cancellation)
            ?? throw new ApiProblemException(ApiProblem.NotFound($"Tenant '{tenant}' not found."));
        return ApiResult.Ok(TenantView.From(record));
    });

    /// <summary>409 while the tenant has domains, unless ?force=true: then its domains, mailboxes and aliases go too.</summary>
    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.Admin, tenant, async call =>
    {
        var force = QueryParameters.Flag(request, "force");
        var owned = await directory.ListDomainsAsync(call.Tenant, call.Cancellation);
        if (owned.Count > 0 && !force)
        {
            throw new ApiProblemException(ApiProblem.Conflict($"Tenant '{tenant}' still has {owned.Count} domain(s); delete them first or pass force=true."));
        }
        foreach (var d in owned)
        {
            await domains.RemoveAsync(d, force: true, call.Cancellation);
        }
        await directory.DeleteTenantAsync(call.Tenant, call.Cancellation);
        return ApiResult.NoContent();
    });
}

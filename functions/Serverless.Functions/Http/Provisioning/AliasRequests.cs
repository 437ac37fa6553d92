using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/aliases over HTTP (<see cref="AliasProvisioning"/>); <c>@domain</c> names a catch-all.</summary>
public sealed class AliasRequests(ApiGate gate, AliasProvisioning aliases)
{
    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateAlias, call.Cancellation);
        var outcome = await aliases.CreateAsync(call.Tenant, new CreateAlias(body.GetString("address")!, body.GetStrings("targets")), call.Cancellation);
        return outcome.Created(a => $"/api/tenants/{tenant}/aliases/{Uri.EscapeDataString(a.Address)}");
    });

    /// <summary>A page of the tenant's aliases and catch-alls (?limit=, ?continuationToken=, ?domain=).</summary>
    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await aliases.ListAsync(call.Tenant, QueryParameters.AddressPage(request), call.Cancellation)).Ok());

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await aliases.GetAsync(call.Tenant, address, call.Cancellation)).Ok());

    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await aliases.DeleteAsync(call.Tenant, address, call.Cancellation)).NoContent());
}

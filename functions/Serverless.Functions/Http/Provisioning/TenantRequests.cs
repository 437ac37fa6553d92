using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants over HTTP: created and deleted by the admin; a tenant key may read its own tenant (<see cref="TenantProvisioning"/>).</summary>
public sealed class TenantRequests(ApiGate gate, TenantProvisioning tenants)
{
    public Task<IActionResult> CreateAsync(HttpRequest request) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateTenant, call.Cancellation);
        var id = body.GetString("id")!;
        var outcome = await tenants.CreateAsync(new CreateTenant(id, body.GetString("displayName")), call.Cancellation);
        return outcome.Created(_ => $"/api/tenants/{id}");
    });

    public Task<IActionResult> ListAsync(HttpRequest request) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
        ApiResult.Ok(await tenants.ListAsync(call.Cancellation)));

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await tenants.GetAsync(call.Tenant, call.Cancellation)).Ok());

    /// <summary>409 while the tenant has domains, unless ?force=true.</summary>
    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.Admin, tenant, async call =>
    {
        var force = QueryParameters.Flag(request, "force");
        return (await tenants.DeleteAsync(call.Tenant, force, call.Cancellation)).NoContent();
    });
}

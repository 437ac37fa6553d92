using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/keys over HTTP (<see cref="ApiKeyProvisioning"/>).</summary>
public sealed class ApiKeyRequests(ApiGate gate, ApiKeyProvisioning keys)
{
    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var created = await keys.CreateAsync(call.Tenant, call.Cancellation);
        return ApiResult.Created($"/api/tenants/{tenant}/keys/{created.KeyId}", created);
    });

    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        ApiResult.Ok(await keys.ListAsync(call.Tenant, call.Cancellation)));

    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string keyId) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await keys.DeleteAsync(call.Tenant, keyId, call.Cancellation)).NoContent());
}

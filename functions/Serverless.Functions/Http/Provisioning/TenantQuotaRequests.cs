using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/quotas over HTTP: the tenant or the admin reads them, only the admin sets them (<see cref="TenantQuotaProvisioning"/>).</summary>
public sealed class TenantQuotaRequests(ApiGate gate, TenantQuotaProvisioning quotas)
{
    public Task<IActionResult> GetAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await quotas.GetAsync(call.Tenant, call.Cancellation)).Ok());

    public Task<IActionResult> SetAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.Admin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.SetTenantQuotas, call.Cancellation);
        var outcome = await quotas.SetAsync(call.Tenant, body.GetInt64("storedBytes"), body.GetInt64("mailboxes"), body.GetInt64("messagesPerDay"), call.Cancellation);
        return outcome.Ok();
    });
}

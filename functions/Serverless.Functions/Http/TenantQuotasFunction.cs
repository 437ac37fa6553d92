using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/quotas — see <see cref="TenantQuotaRequests"/>.</summary>
public sealed class TenantQuotasFunction(TenantQuotaRequests quotas)
{
    [Function("GetTenantQuotas")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/quotas")] HttpRequest request, string tenant) =>
        quotas.GetAsync(request, tenant);

    [Function("SetTenantQuotas")]
    public Task<IActionResult> Set([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/tenants/{tenant}/quotas")] HttpRequest request, string tenant) =>
        quotas.SetAsync(request, tenant);
}

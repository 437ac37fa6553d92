using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/usage and /api/usage — see <see cref="UsageRequests"/>.</summary>
public sealed class UsageFunction(UsageRequests usage)
{
    [Function("GetTenantUsage")]
    public Task<IActionResult> Tenant([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/usage")] HttpRequest request, string tenant) =>
        usage.TenantAsync(request, tenant);

    [Function("GetUsage")]
    public Task<IActionResult> All([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/usage")] HttpRequest request) =>
        usage.AllAsync(request);
}

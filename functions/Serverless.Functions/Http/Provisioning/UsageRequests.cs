using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Usage;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>
/// GET /api/tenants/{tenant}/usage (<c>?from=&amp;to=&amp;granularity=hour|day</c>; the tenant's key or the admin's)
/// and GET /api/usage (<c>?from=&amp;to=</c>; admin only) over HTTP (<see cref="UsageReport"/>).
/// </summary>
public sealed class UsageRequests(ApiGate gate, UsageReport report)
{
    public Task<IActionResult> TenantAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await report.ForTenantAsync(call.Tenant, QueryParameters.Text(request, "from"), QueryParameters.Text(request, "to"),
            QueryParameters.Text(request, "granularity"), call.Cancellation)).Ok());

    public Task<IActionResult> AllAsync(HttpRequest request) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
        (await report.AllAsync(QueryParameters.Text(request, "from"), QueryParameters.Text(request, "to"), call.Cancellation)).Ok());
}

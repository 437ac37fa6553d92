using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Outbound;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>
/// GET /api/tenants/{tenant}/outbound over HTTP (admin or the tenant's key): <c>?all=true</c> adds
/// finished messages, <c>?limit=</c> and <c>?continuationToken=</c> page (<see cref="OutboundListing"/>);
/// retry, hold, release and cancel one message (<see cref="OutboundControl"/>).
/// </summary>
public sealed class OutboundRequests(ApiGate gate, OutboundListing listing, OutboundControl control)
{
    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var all = QueryParameters.Flag(request, "all");
        var limit = QueryParameters.Limit(request);
        var token = QueryParameters.Text(request, "continuationToken");
        return ApiResult.Ok(await listing.ListAsync(call.Tenant, all, limit, token, call.Cancellation));
    });

    public Task<IActionResult> RetryAsync(HttpRequest request, string tenant, string id) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await control.RetryAsync(call.Tenant, id, call.Cancellation)).Accepted());

    public Task<IActionResult> HoldAsync(HttpRequest request, string tenant, string id) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await control.HoldAsync(call.Tenant, id, call.Cancellation)).Ok());

    public Task<IActionResult> ReleaseAsync(HttpRequest request, string tenant, string id) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await control.ReleaseAsync(call.Tenant, id, call.Cancellation)).Accepted());

    public Task<IActionResult> CancelAsync(HttpRequest request, string tenant, string id) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await control.CancelAsync(call.Tenant, id, call.Cancellation)).Accepted());
}

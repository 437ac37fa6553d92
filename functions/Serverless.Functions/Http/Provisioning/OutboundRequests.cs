using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Outbound;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>
/// GET /api/tenants/{tenant}/outbound over HTTP (admin or the tenant's key): <c>?all=true</c> adds
/// finished messages, <c>?limit=</c> and <c>?continuationToken=</c> page (<see cref="OutboundListing"/>).
/// </summary>
public sealed class OutboundRequests(ApiGate gate, OutboundListing listing)
{
    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var all = QueryParameters.Flag(request, "all");
        var limit = QueryParameters.Limit(request);
        var token = QueryParameters.Text(request, "continuationToken");
        return ApiResult.Ok(await listing.ListAsync(call.Tenant, all, limit, token, call.Cancellation));
    });
}

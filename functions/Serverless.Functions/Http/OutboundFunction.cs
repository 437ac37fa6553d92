using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>GET /api/tenants/{tenant}/outbound — see <see cref="OutboundRequests"/>.</summary>
public sealed class OutboundFunction(OutboundRequests listing)
{
    [Function("ListOutbound")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/outbound")] HttpRequest request, string tenant) =>
        listing.ListAsync(request, tenant);
}

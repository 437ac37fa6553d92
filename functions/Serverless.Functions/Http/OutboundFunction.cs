using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/outbound — the listing and the queue control; see <see cref="OutboundRequests"/>.</summary>
public sealed class OutboundFunction(OutboundRequests listing)
{
    [Function("ListOutbound")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/outbound")] HttpRequest request, string tenant) =>
        listing.ListAsync(request, tenant);

    [Function("RetryOutbound")]
    public Task<IActionResult> Retry([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/outbound/{id}/retry")] HttpRequest request,
        string tenant, string id) =>
        listing.RetryAsync(request, tenant, id);

    [Function("HoldOutbound")]
    public Task<IActionResult> Hold([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/outbound/{id}/hold")] HttpRequest request,
        string tenant, string id) =>
        listing.HoldAsync(request, tenant, id);

    [Function("ReleaseOutbound")]
    public Task<IActionResult> Release([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/outbound/{id}/release")] HttpRequest request,
        string tenant, string id) =>
        listing.ReleaseAsync(request, tenant, id);

    [Function("CancelOutbound")]
    public Task<IActionResult> Cancel([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}/outbound/{id}")] HttpRequest request,
        string tenant, string id) =>
        listing.CancelAsync(request, tenant, id);
}

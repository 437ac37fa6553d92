using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Operations;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>
/// GET /api/queues/{queue}/poison and POST /api/queues/{queue}/poison/{id}/replay over HTTP —
/// admin key only (a tenant key gets 403: poison messages carry every tenant's mail). Not under
/// <c>/api/admin</c>: the Functions host refuses routes that start with "admin".
/// </summary>
public sealed class PoisonQueueRequests(ApiGate gate, PoisonQueueOperations poison)
{
    public Task<IActionResult> ListAsync(HttpRequest request, string queue) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
    {
        // The queue (route) is checked before ?limit= (query), as for every route.
        if (PoisonQueueOperations.CheckQueue(queue) is { } unknown)
        {
            return ApiProblem.From(unknown);
        }
        var limit = QueryParameters.Limit(request, PoisonQueues.MaxPeek, PoisonQueues.MaxPeek);
        return (await poison.ListAsync(queue, limit, call.Cancellation)).Ok();
    });

    public Task<IActionResult> ReplayAsync(HttpRequest request, string queue, string id) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
        (await poison.ReplayAsync(queue, id, call.Cancellation)).Accepted());
}

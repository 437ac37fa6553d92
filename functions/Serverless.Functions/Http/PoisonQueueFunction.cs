using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/queues/{queue}/poison — see <see cref="PoisonQueueRequests"/>.</summary>
public sealed class PoisonQueueFunction(PoisonQueueRequests api)
{
    [Function("ListPoisonMessages")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/queues/{queue}/poison")] HttpRequest request, string queue) =>
        api.ListAsync(request, queue);

    [Function("ReplayPoisonMessage")]
    public Task<IActionResult> Replay([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/queues/{queue}/poison/{id}/replay")] HttpRequest request,
        string queue, string id) =>
        api.ReplayAsync(request, queue, id);
}

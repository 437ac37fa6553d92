using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/spam-training — see <see cref="SpamTrainingRequests"/>.</summary>
public sealed class SpamTrainingFunction(SpamTrainingRequests training)
{
    [Function("TrainSpam")]
    public Task<IActionResult> Train([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/mailboxes/{address}/spam-training")] HttpRequest request,
        string tenant, string address) =>
        training.TrainAsync(request, tenant, address);

    [Function("GetSpamTraining")]
    public Task<IActionResult> Status([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}/spam-training")] HttpRequest request,
        string tenant, string address) =>
        training.StatusAsync(request, tenant, address);
}

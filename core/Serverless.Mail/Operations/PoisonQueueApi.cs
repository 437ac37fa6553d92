using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Mail.Provisioning.Api;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Mail.Operations;

/// <summary>
/// GET /api/queues/{queue}/poison and POST /api/queues/{queue}/poison/{id}/replay — admin key only
/// (a tenant key gets 403: poison messages carry every tenant's mail). Not under <c>/api/admin</c>:
/// the Functions host refuses routes that start with "admin".
/// </summary>
public sealed class PoisonQueueApi(ApiGate gate, PoisonQueues poison)
{
    public Task<IActionResult> ListAsync(HttpRequest request, string queue) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
    {
        RequireKnown(queue);
        var limit = QueryParameters.Limit(request, PoisonQueues.MaxPeek, PoisonQueues.MaxPeek);
        var (items, count) = await poison.PeekAsync(queue, limit, call.Cancellation);
        return ApiResult.Ok(new PoisonListView(queue, count, items.Select(m => new PoisonMessageView(m.Id, m.InsertedAt, m.Body)).ToList()));
    });

    public Task<IActionResult> ReplayAsync(HttpRequest request, string queue, string id) => gate.RunAsync(request, ApiAccess.Admin, null, async call =>
    {
        RequireKnown(queue);
        var sent = await poison.ReplayAsync(queue, id, call.Cancellation)
            ?? throw new ApiProblemException(ApiProblem.NotFound($"No message '{id}' in the {queue} poison queue."));
        return ApiResult.Accepted(new PoisonReplayView(queue, id, sent));
    });

    private static void RequireKnown(string queue)
    {
        if (!PoisonQueues.IsKnown(queue))
        {
            throw new ApiProblemException(ApiProblem.NotFound($"No queue '{queue}'; queues with a poison queue: {string.Join(", ", PoisonQueues.Queues)}."));
        }
    }

    public static readonly ApiSchema MessageSchema = new("PoisonMessage", "A message that failed maxDequeueCount times.",
    [
        new("id", ApiType.String, "Its id in the poison queue (for replay).") { Required = true },
        new("insertedAt", ApiType.String, "When it was moved to the poison queue (UTC).") { Required = true, Nullable = true, Format = "date-time" },
        new("body", ApiType.String, "The queue message as the function received it (JSON; docs/storage.md describes each queue's).") { Required = true },
    ]);

    public static readonly ApiSchema ListSchema = new("PoisonMessageList", "The oldest poison messages of one queue (at most 32: Queue Storage peeks no more).",
    [
        new("queue", ApiType.String, "inbound, outbound or mailbox-deletion.") { Required = true },
        new("approximateCount", ApiType.Integer, "How many messages the poison queue holds (approximate, as Queue Storage reports it).") { Required = true, Minimum = 0 },
        new("items", ApiType.Array, "The oldest messages.") { Required = true, Schema = MessageSchema },
    ]);

    public static readonly ApiSchema ReplaySchema = new("PoisonReplay", "A poison message put back on its queue.",
    [
        new("queue", ApiType.String, "The queue it went back to.") { Required = true },
        new("id", ApiType.String, "Its id in the poison queue (gone now).") { Required = true },
        new("messageId", ApiType.String, "Its new id in the queue.") { Required = true },
    ]);
}

public sealed record PoisonMessageView(string Id, DateTimeOffset? InsertedAt, string Body);

public sealed record PoisonListView(string Queue, int ApproximateCount, IReadOnlyList<PoisonMessageView> Items);

public sealed record PoisonReplayView(string Queue, string Id, string MessageId);

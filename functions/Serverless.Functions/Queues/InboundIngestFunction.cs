using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Delivery;

namespace Serverless.Functions.Queues;

/// <summary>
/// The inbound ingest: one call into core per <c>inbound</c> queue message — one hand-off, or a group
/// of them (core puts a group's failed member back on its own and returns). The ingest is
/// idempotent, so an exception simply means "try this message again" and, after maxDequeueCount,
/// the poison queue.
/// </summary>
public sealed class InboundIngestFunction(InboundIngest ingest)
{
    [Function("InboundIngest")]
    public Task Run([QueueTrigger("inbound")] string message, CancellationToken cancellationToken) =>
        ingest.IngestAsync(message, cancellationToken);
}

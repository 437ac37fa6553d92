using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Delivery;

namespace Serverless.Functions.Queues;

/// <summary>
/// The inbound ingest: one call into core per <c>inbound</c> hand-off. The ingest is idempotent, so
/// an exception simply means "try this hand-off again" and, after maxDequeueCount, the poison queue.
/// </summary>
public sealed class InboundIngestFunction(InboundIngest ingest)
{
    [Function("InboundIngest")]
    public Task Run([QueueTrigger("inbound")] string message, CancellationToken cancellationToken) =>
        ingest.IngestAsync(message, cancellationToken);
}

using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Outbound;

namespace Serverless.Functions.Queues;

/// <summary>
/// The outbound relay: one call into core per <c>outbound</c> queue message. Retries are new
/// queue messages with a visibility delay (the relay enqueues them and returns normally); an
/// exception means "try this copy again" and, after maxDequeueCount, the poison queue.
/// </summary>
public sealed class OutboundRelayFunction(OutboundRelay relay)
{
    [Function("OutboundRelay")]
    public Task Run([QueueTrigger("outbound")] string message, CancellationToken cancellationToken) =>
        relay.RelayAsync(message, cancellationToken);
}

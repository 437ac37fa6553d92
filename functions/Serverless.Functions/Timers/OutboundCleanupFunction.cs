using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Outbound;

namespace Serverless.Functions.Timers;

/// <summary>Daily: deletes the relay's rows of messages finished longer ago than <c>Mail:Outbound:FinishedRetention</c>.</summary>
public sealed class OutboundCleanupFunction(OutboundState state, OutboundOptions options, TimeProvider time)
{
    [Function("OutboundCleanup")]
    public Task Run([TimerTrigger("0 17 3 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        state.PruneAsync(time.GetUtcNow() - options.FinishedRetention, cancellationToken);
}

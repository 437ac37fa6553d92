using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;

namespace Serverless.Functions.Timers;

/// <summary>
/// Daily: deletes the relay's rows of messages finished longer ago than <c>Mail:Outbound:FinishedRetention</c>,
/// and spilled hand-off blobs older than that whose queue message never took them (docs/storage.md).
/// </summary>
public sealed class OutboundCleanupFunction(OutboundState state, MailQueues queues, OutboundOptions options, TimeProvider time)
{
    [Function("OutboundCleanup")]
    public async Task Run([TimerTrigger("0 17 3 * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - options.FinishedRetention;
        await state.PruneAsync(before, cancellationToken);
        await queues.PruneSpillsAsync(before, cancellationToken);
    }
}

using Serverless.Mail.Provisioning;

namespace Serverless.Mail.Operations;

/// <summary>
/// What an operator (the admin, never a tenant: poison messages carry every tenant's mail) asks of
/// the poison queues: the oldest messages of one, and putting one back on its queue.
/// </summary>
public sealed class PoisonQueueOperations(PoisonQueues poison)
{
    /// <summary>Null when <paramref name="queue"/> has a poison queue; otherwise the error naming the ones that do.</summary>
    public static ProvisioningError? CheckQueue(string queue) => PoisonQueues.IsKnown(queue)
        ? null
        : ProvisioningError.NotFound($"No queue '{queue}'; queues with a poison queue: {string.Join(", ", PoisonQueues.Queues)}.");

    public async Task<ProvisioningOutcome<PoisonListView>> ListAsync(string queue, int limit, CancellationToken cancellationToken)
    {
        if (CheckQueue(queue) is { } unknown)
        {
            return unknown;
        }
        var (items, count) = await poison.PeekAsync(queue, limit, cancellationToken);
        return new PoisonListView(queue, count, items.Select(m => new PoisonMessageView(m.Id, m.InsertedAt, m.Body)).ToList());
    }

    public async Task<ProvisioningOutcome<PoisonReplayView>> ReplayAsync(string queue, string id, CancellationToken cancellationToken)
    {
        if (CheckQueue(queue) is { } unknown)
        {
            return unknown;
        }
        var sent = await poison.ReplayAsync(queue, id, cancellationToken);
        return sent is null ? ProvisioningError.NotFound($"No message '{id}' in the {queue} poison queue.") : new PoisonReplayView(queue, id, sent);
    }
}

public sealed record PoisonMessageView(string Id, DateTimeOffset? InsertedAt, string Body);

public sealed record PoisonListView(string Queue, int ApproximateCount, IReadOnlyList<PoisonMessageView> Items);

public sealed record PoisonReplayView(string Queue, string Id, string MessageId);

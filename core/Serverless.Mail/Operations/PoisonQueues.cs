using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Operations;

/// <summary>A message in a poison queue, as an operator sees it.</summary>
public sealed record PoisonMessage(string Id, DateTimeOffset? InsertedAt, string Body);

/// <summary>
/// The operator's view of the <c>{queue}-poison</c> queues: what failed <c>maxDequeueCount</c>
/// times, and putting one of them back on its queue once the cause is fixed. Every consumer is
/// idempotent, so a replay of something that was partly done completes it without doubling it.
/// </summary>
public sealed class PoisonQueues(MailStorage storage)
{
    /// <summary>Queues with a queue-triggered function (and so a poison queue).</summary>
    public static readonly IReadOnlyList<string> Queues = [StorageNames.InboundQueue, StorageNames.OutboundQueue, StorageNames.MailboxDeletionQueue, StorageNames.SpamLearningQueue, StorageNames.MailboxImportQueue];

    /// <summary>Queue Storage peeks at most this many messages at once.</summary>
    public const int MaxPeek = 32;

    /// <summary>How long messages looked at during a replay's search stay hidden from other readers (released right after).</summary>
    private static readonly TimeSpan SearchVisibility = TimeSpan.FromSeconds(30);

    public static bool IsKnown(string queue) => Queues.Contains(queue, StringComparer.Ordinal);

    /// <summary>The oldest messages (up to <see cref="MaxPeek"/>) without taking them, and the approximate total. Two requests.</summary>
    public async Task<(IReadOnlyList<PoisonMessage> Items, int ApproximateCount)> PeekAsync(string queue, int limit, CancellationToken cancellationToken = default)
    {
        var poison = Poison(queue);
        var properties = await poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        var peeked = await poison.PeekMessagesAsync(Math.Clamp(limit, 1, MaxPeek), cancellationToken).ConfigureAwait(false);
        var items = peeked.Value.Select(m => new PoisonMessage(m.MessageId, m.InsertedOn, m.Body.ToString())).ToList();
        return (items, properties.Value.ApproximateMessagesCount);
    }

    /// <summary>
    /// Moves one poison message back to its queue: sent there first, then deleted here, so a crash in
    /// between leaves a duplicate (harmless: consumers are idempotent), never a loss. Returns the new
    /// message's id, or null when no poison message has <paramref name="id"/>.
    /// </summary>
    public async Task<string?> ReplayAsync(string queue, string id, CancellationToken cancellationToken = default)
    {
        var poison = Poison(queue);
        var held = new List<QueueMessage>();
        try
        {
            var total = (await poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
            QueueMessage? found = null;
            // Receiving is the only way to get a pop receipt; what is not the one stays hidden until the search ends.
            for (var seen = 0; found is null && seen <= total + MaxPeek;)
            {
                var batch = (await poison.ReceiveMessagesAsync(MaxPeek, SearchVisibility, cancellationToken).ConfigureAwait(false)).Value;
                if (batch.Length == 0)
                {
                    break;
                }
                seen += batch.Length;
                foreach (var m in batch)
                {
                    if (found is null && m.MessageId == id)
                    {
                        found = m;
                    }
                    else
                    {
                        held.Add(m);
                    }
                }
            }
            if (found is null)
            {
                return null;
            }
            var sent = await storage.Queue(queue).SendMessageAsync(found.Body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken)
                .ConfigureAwait(false);
            await poison.DeleteMessageAsync(found.MessageId, found.PopReceipt, cancellationToken).ConfigureAwait(false);
            return sent.Value.MessageId;
        }
        finally
        {
            foreach (var m in held)
            {
                try
                {
                    await poison.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }
                catch (Azure.RequestFailedException)
                {
                    // It reappears by itself when the search visibility ends.
                }
            }
        }
    }

    private QueueClient Poison(string queue) => IsKnown(queue)
        ? storage.PoisonQueue(queue)
        : throw new ArgumentException($"'{queue}' is not a queue with a poison queue.", nameof(queue));
}

using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Spam.Learning;

/// <summary>Puts learning requests on the <c>spam-learning</c> queue: one queue put per folder's batch, nothing waits for the learning itself.</summary>
public sealed class SpamLearningQueue(MailStorage storage, ILogger<SpamLearningQueue> logger)
{
    private readonly QueueClient _queue = storage.Queue(StorageNames.SpamLearningQueue);

    public async Task EnqueueAsync(SpamLearningRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var chunk in request.Uids.Chunk(SpamLearningRequest.MaxUids))
        {
            await _queue.SendMessageAsync((request with { Uids = chunk }).ToJson(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// As <see cref="EnqueueAsync"/>, for a protocol command whose own work is done: a failure is
    /// logged, never turned into the command's failure (the user's move happened; only the
    /// learning from it is lost, and the user can train again).
    /// </summary>
    public async Task TryEnqueueAsync(SpamLearningRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await EnqueueAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && StorageFailures.IsTransient(e) || e is Azure.RequestFailedException)
        {
            logger.LogWarning("Spam learning of {Count} messages of mailbox {Mailbox} not queued: {Message}", request.Uids.Count, request.MailboxId, e.Message);
        }
    }
}

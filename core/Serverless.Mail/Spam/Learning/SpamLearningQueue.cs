using Azure.Storage.Queues;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Spam.Learning;

/// <summary>Puts learning requests on the <c>spam-learning</c> queue: one queue put per folder's batch, nothing waits for the learning itself.</summary>
public sealed class SpamLearningQueue(MailStorage storage)
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
}

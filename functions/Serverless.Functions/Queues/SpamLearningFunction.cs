using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Spam.Learning;
using Serverless.Mail.Storage;

namespace Serverless.Functions.Queues;

/// <summary>Queue <c>spam-learning</c>: learns the named messages as spam or ham (see <see cref="SpamLearner"/>). Idempotent.</summary>
public sealed class SpamLearningFunction(SpamLearner learner)
{
    [Function("SpamLearning")]
    public Task Run([QueueTrigger(StorageNames.SpamLearningQueue)] string message, CancellationToken cancellationToken) =>
        learner.LearnAsync(SpamLearningRequest.Parse(message), cancellationToken);
}

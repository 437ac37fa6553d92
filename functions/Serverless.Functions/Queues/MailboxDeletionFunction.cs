using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Storage;

namespace Serverless.Functions.Queues;

/// <summary>Queue <c>mailbox-deletion</c>: empties a deleted mailbox's index and blobs (see <see cref="MailboxRemoval"/>). Idempotent.</summary>
public sealed class MailboxDeletionFunction(MailboxRemoval removal)
{
    [Function("MailboxDeletion")]
    public Task Run([QueueTrigger(StorageNames.MailboxDeletionQueue)] string message, CancellationToken cancellationToken) =>
        removal.PurgeAsync(MailboxRemoval.Parse(message), cancellationToken);
}

using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Migration;
using Serverless.Mail.Storage;

namespace Serverless.Functions.Queues;

/// <summary>Queue <c>mailbox-import</c>: one bounded run of an import, which queues its own continuation (see <see cref="MailboxImporter"/>).</summary>
public sealed class MailboxImportFunction(MailboxImporter importer)
{
    [Function("MailboxImport")]
    public Task Run([QueueTrigger(StorageNames.MailboxImportQueue)] string message, CancellationToken cancellationToken) =>
        importer.RunAsync(MailboxImportMessage.Parse(message), cancellationToken);
}

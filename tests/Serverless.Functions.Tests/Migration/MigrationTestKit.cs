using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Queues;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Serverless.Functions.Tests.Provisioning;

namespace Serverless.Functions.Tests.Migration;

/// <summary>One message as a mailbox holds it: bytes, INTERNALDATE (to the second) and flags (sorted).</summary>
public sealed record StoredMessage(byte[] Bytes, DateTimeOffset Date, string Flags)
{
    public bool Equals(StoredMessage? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes) && Date == other.Date && Flags == other.Flags;

    public override int GetHashCode() => HashCode.Combine(Bytes.Length, Date, Flags);

    public override string ToString() => $"{Bytes.Length} bytes, {Date:O}, [{Flags}]";
}

/// <summary>Filling a mailbox straight through the index, reading one back whole, and running the import queue as the host would.</summary>
internal static class MigrationTestKit
{
    public static async Task PutAsync(IServiceProvider services, string mailboxId, string folder, byte[] bytes, DateTimeOffset date, params string[] flags)
    {
        var index = services.GetRequiredService<MailboxIndex>();
        var folderId = (await index.FindFolderAsync(mailboxId, folder) ?? await index.CreateFolderAsync(mailboxId, folder, subscribed: true))!.FolderId;
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = services.GetRequiredService<MessageStore>().CreateWriter(blob))
        {
            await writer.WriteAsync(bytes);
            await writer.CommitAsync();
        }
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
        var result = await index.AppendAsync(mailboxId, folderId, new NewMessage
        {
            BlobName = blob, Size = bytes.Length, InternalDate = date, Flags = flags, Summary = summary,
        });
        if (result.Outcome != AppendOutcome.Appended)
        {
            throw new InvalidOperationException("Not appended: " + result.Outcome);
        }
    }

    /// <summary>Every folder that holds mail, with its messages in UID order.</summary>
    public static async Task<SortedDictionary<string, List<StoredMessage>>> ReadAsync(IServiceProvider services, string mailboxId)
    {
        var index = services.GetRequiredService<MailboxIndex>();
        var store = services.GetRequiredService<MessageStore>();
        var result = new SortedDictionary<string, List<StoredMessage>>(StringComparer.Ordinal);
        foreach (var folder in await index.ListFoldersAsync(mailboxId))
        {
            var list = new List<StoredMessage>();
            await foreach (var m in index.ListMessagesAsync(mailboxId, folder.FolderId, includeSummary: false))
            {
                await using var content = await store.OpenReadAsync(m.BlobName);
                using var copy = new MemoryStream();
                await content.CopyToAsync(copy);
                list.Add(new StoredMessage(copy.ToArray(), m.InternalDate.ToUniversalTime(), string.Join(' ', m.Flags.Order(StringComparer.Ordinal))));
            }
            if (list.Count > 0)
            {
                result[folder.Name] = list;
            }
        }
        return result;
    }

    /// <summary>Runs every mailbox-import message (and the continuations they queue) until the queue is empty; returns how many ran.</summary>
    public static async Task<int> DrainAsync(ApiTestHost host, int limit = 200)
    {
        var queue = host.Services.GetRequiredService<MailStorage>().Queue(StorageNames.MailboxImportQueue);
        var function = host.Function<MailboxImportFunction>();
        var runs = 0;
        while (true)
        {
            var received = (await queue.ReceiveMessagesAsync(1)).Value;
            if (received.Length == 0)
            {
                return runs;
            }
            await function.Run(received[0].Body.ToString(), default);
            await queue.DeleteMessageAsync(received[0].MessageId, received[0].PopReceipt);
            if (++runs > limit)
            {
                throw new InvalidOperationException("The import queue does not run dry.");
            }
        }
    }
}

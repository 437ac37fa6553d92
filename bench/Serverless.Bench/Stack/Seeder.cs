using Serverless.Bench.Clients;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;

namespace Serverless.Bench.Stack;

/// <summary>
/// Fills a mailbox's INBOX directly through core (blob + summary + index append), much faster than
/// SMTP. Seeding is set-up, never measured.
/// </summary>
internal static class Seeder
{
    /// <summary>
    /// Appends <paramref name="count"/> messages of <paramref name="size"/> bytes. With
    /// <paramref name="shareOneBlob"/> every row points at one blob (for SELECT of huge folders,
    /// which reads only the index); such a folder must never be expunged.
    /// </summary>
    public static async Task SeedAsync(BenchStack stack, MailboxRecord mailbox, int count, int size, bool shareOneBlob = false, int parallelism = 64)
    {
        var index = stack.Get<MailboxIndex>();
        var store = stack.Get<MessageStore>();
        var inbox = await index.FindFolderAsync(mailbox.MailboxId, "INBOX") ?? throw new InvalidOperationException("no INBOX");
        (string Blob, MessageSummary Summary, long Size)? shared = null;
        if (shareOneBlob)
        {
            shared = await StoreAsync(store, mailbox.Address, 0, size);
        }
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var (blob, summary, length) = shared ?? await StoreAsync(store, mailbox.Address, i, size);
            var result = await index.AppendAsync(mailbox.MailboxId, inbox.FolderId, new NewMessage
            {
                BlobName = blob,
                Size = length,
                InternalDate = DateTimeOffset.UtcNow,
                Summary = summary,
                // An SDK retry of a transaction whose answer timed out must not append twice.
                DedupeKey = $"seed|{i}",
            }, ct);
            if (result.Outcome is not (AppendOutcome.Appended or AppendOutcome.Duplicate))
            {
                throw new InvalidOperationException($"seeding {mailbox.Address}: {result.Outcome}");
            }
        });
    }

    private static async Task<(string, MessageSummary, long)> StoreAsync(MessageStore store, string to, int i, int size)
    {
        var raw = SmtpSender.RawMessage("seed@client.test", to, $"seed-{i}-{Guid.NewGuid():N}@client.test", size, $"Seeded message {i} about topic{i % 7}");
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = store.CreateWriter(blob))
        {
            await writer.WriteAsync(raw);
            await writer.CommitAsync();
        }
        var (summary, parsed) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(raw));
        parsed.Dispose();
        return (blob, summary, raw.Length);
    }
}

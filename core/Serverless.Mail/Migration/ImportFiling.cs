using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Sieve.Filing;

namespace Serverless.Mail.Migration;

/// <summary>
/// Files imported messages the way every other message is filed: the bytes into a blob, a summary,
/// and <see cref="MailboxIndex.AppendAsync"/> (the index's one append path, as IMAP APPEND and the
/// ingest use it) with a dedupe key, so a message filed by a run that crashed before it recorded its
/// progress is found again instead of filed twice. The blob's name comes from the dedupe key, so the
/// row found then names the very blob just rewritten.
/// </summary>
public sealed class ImportFiling(MailboxIndex index, MessageStore store)
{
    private readonly Dictionary<(string Mailbox, string Folder), int> _folders = [];

    /// <summary>Our folder's id, created (subscribed) when missing.</summary>
    public async Task<int> FolderAsync(string mailboxId, string name, CancellationToken cancellationToken)
    {
        name = FolderNames.Normalize(name);
        lock (_folders)
        {
            if (_folders.TryGetValue((mailboxId, name), out var known))
            {
                return known;
            }
        }
        var folder = await index.FindFolderAsync(mailboxId, name, cancellationToken).ConfigureAwait(false)
            ?? await index.CreateFolderAsync(mailboxId, name, subscribed: true, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? await index.FindFolderAsync(mailboxId, name, cancellationToken).ConfigureAwait(false) // created meanwhile
            ?? throw new InvalidOperationException($"Folder '{name}' could not be created.");
        lock (_folders)
        {
            _folders[(mailboxId, name)] = folder.FolderId;
        }
        return folder.FolderId;
    }

    public async Task<AppendOutcome> FileAsync(string mailboxId, int folderId, byte[] bytes, DateTimeOffset internalDate, IReadOnlyList<string> flags,
        string dedupeKey, long? quotaBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var blobName = SieveNotices.BlobName(internalDate, "import|" + mailboxId + "|" + dedupeKey);
        using var content = new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);
        await SieveNotices.WriteBlobAsync(store, blobName, content, cancellationToken).ConfigureAwait(false);
        MessageSummary? summary = null;
        try
        {
            content.Position = 0;
            var (built, parsed) = await MessageSummaryBuilder.BuildAsync(content, cancellationToken).ConfigureAwait(false);
            parsed.Dispose();
            summary = built;
        }
        catch (FormatException)
        {
            // FETCH parses the blob when the summary is missing
        }
        var result = await index.AppendAsync(mailboxId, folderId, new NewMessage
        {
            BlobName = blobName,
            Size = bytes.Length,
            InternalDate = internalDate,
            Flags = flags,
            Summary = summary,
            DedupeKey = dedupeKey,
            QuotaBytes = quotaBytes,
        }, cancellationToken).ConfigureAwait(false);
        if (result.Outcome is not (AppendOutcome.Appended or AppendOutcome.Duplicate))
        {
            await store.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
            if (result.Outcome == AppendOutcome.NoSuchFolder)
            {
                lock (_folders)
                {
                    foreach (var key in _folders.Where(f => f.Key.Mailbox == mailboxId && f.Value == folderId).Select(f => f.Key).ToList())
                    {
                        _folders.Remove(key);
                    }
                }
            }
        }
        return result.Outcome;
    }
}

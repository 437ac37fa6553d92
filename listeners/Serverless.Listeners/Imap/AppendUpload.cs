using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Storage;

namespace Serverless.Listeners.Imap;

/// <summary>
/// An APPEND message literal that the session streamed into a blob (or, when small, kept in memory
/// for its row) before the command line was complete. If no command takes it (a syntax error
/// after the literal, a refused append), the blob is deleted, so nothing half-written stays behind.
/// </summary>
internal sealed class AppendUpload(long size)
{
    /// <summary>The literal's size; the stored message's once a binary part was re-encoded (<see cref="BinaryAppend"/>).</summary>
    public long Size { get; set; } = size;

    /// <summary>Why the message was not accepted (answered when the command completes); null if it was stored.</summary>
    public ImapResult? Refusal { get; set; }

    /// <summary>The target folder (id and name), from memory or its row; the append checks the name in its transaction.</summary>
    public (int Id, string Name)? Folder { get; set; }

    /// <summary>The message's blob; with <see cref="Content"/> only the name that identifies it (no blob exists).</summary>
    public string? BlobName { get; set; }

    /// <summary>
    /// The whole message when it is kept in its index row instead of a blob (at most
    /// <see cref="MailboxIndex.InlineMessageBytes"/>): the append writes it into the row, so
    /// nothing is stored before the index transaction and nothing is left to delete if it fails.
    /// </summary>
    public byte[]? Content { get; set; }

    /// <summary>A small CATENATE text part, kept in memory instead of a blob.</summary>
    public byte[]? Bytes { get; set; }

    public MessageSummary? Summary { get; set; }

    /// <summary>INTERNALDATE as filed.</summary>
    public DateTimeOffset InternalDate { get; set; }

    /// <summary>Set once the index references the blob.</summary>
    public bool Taken { get; set; }

    /// <summary>The bytes as received (a CATENATE text part).</summary>
    public async Task<Stream> OpenAsync(MessageStore store, CancellationToken cancellationToken) =>
        Bytes is not null ? new MemoryStream(Bytes, writable: false)
        : BlobName is not null ? await store.OpenReadAsync(BlobName, cancellationToken)
        : new MemoryStream([], writable: false);

    public async Task DiscardAsync(MessageStore store)
    {
        if (!Taken && BlobName is not null && Content is null)
        {
            var name = BlobName;
            BlobName = null;
            try
            {
                await store.DeleteAsync(name, CancellationToken.None);
            }
            catch (Exception e) when (StorageFailures.IsTransient(e))
            {
                // An unreferenced blob is only wasted space; nothing points at it.
            }
        }
    }
}

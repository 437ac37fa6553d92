namespace Serverless.Mail.Messages;

/// <summary>
/// Where a stored message's bytes are, for <see cref="MessageStore"/>'s readers: its blob, or —
/// for a message kept in its index row (a small IMAP APPEND, see docs/storage.md "Messages kept
/// in their row") — that row, named by mailbox, folder and UID. <see cref="BlobName"/> is the
/// message's identity either way (the cache key of its bytes, the EMAILID's input); a row-kept
/// message has no blob under that name. <see cref="Content"/> is the row's bytes when the caller
/// read the row with them (a point read), so opening it costs no request.
/// </summary>
public readonly record struct MessageSource(string BlobName, string? MailboxId = null, int FolderId = 0, long Uid = 0, byte[]? Content = null)
{
    /// <summary>True when the bytes are in the message row, not in a blob.</summary>
    public bool InRow => MailboxId is not null;

    /// <summary>A message stored as a blob (every inbound, submitted and imported message, and large appends).</summary>
    public static MessageSource Blob(string blobName) => new(blobName);
}

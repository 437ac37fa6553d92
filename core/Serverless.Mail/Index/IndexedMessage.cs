using Serverless.Mail.Messages;
using Serverless.Mail.Model;

namespace Serverless.Mail.Index;

/// <summary>One message in a folder, as kept in its message row (RowKey <c>m|{folderId:D6}|{uid:D10}</c>).</summary>
public sealed record IndexedMessage
{
    public required long Uid { get; init; }

    public required string BlobName { get; init; }

    /// <summary>True when other message rows reference the same blob (see docs/storage.md, blob holders).</summary>
    public bool SharedBlob { get; init; }

    /// <summary>This row's holder id in the blob holders table when <see cref="SharedBlob"/>; kept across MOVE.</summary>
    public string? HolderId { get; init; }

    public required long Size { get; init; }

    public required DateTimeOffset InternalDate { get; init; }

    /// <summary>When the message was filed into this folder (append, delivery, copy, move; RFC 8514 SAVEDATE); null for rows written before it was kept.</summary>
    public DateTimeOffset? SavedDate { get; init; }

    /// <summary>System flags (<c>\Seen</c>, <c>\Answered</c>, …) and keywords, in the case they were set.</summary>
    public required IReadOnlyList<string> Flags { get; init; }

    public long ModSeq { get; init; }

    /// <summary>Envelope and MIME structure with byte offsets; null if the message could not be parsed.</summary>
    public MessageSummary? Summary { get; init; }

    /// <summary>
    /// True when the message's bytes are kept in this row (<c>Inline</c>, binary <c>Raw0</c>…) and
    /// no blob exists: <see cref="BlobName"/> is then only the message's identity.
    /// </summary>
    public bool Inline { get; init; }

    /// <summary>The row's bytes when it was read with them (point reads); null from listings, which never select them.</summary>
    public byte[]? Content { get; init; }

    /// <summary>Where this message's bytes are, for <see cref="MessageStore"/>; the row lives in folder <paramref name="folderId"/> of <paramref name="mailboxId"/>.</summary>
    public MessageSource Source(string mailboxId, int folderId) =>
        Inline ? new MessageSource(BlobName, mailboxId, folderId, Uid, Content) : MessageSource.Blob(BlobName);

    public bool HasFlag(string flag) => Flags.Any(f => string.Equals(f, flag, StringComparison.OrdinalIgnoreCase));
}

/// <summary>What a caller gives <see cref="MailboxIndex.AppendAsync"/>.</summary>
public sealed record NewMessage
{
    /// <summary>The message's blob, or with <see cref="Content"/> a fresh name that only identifies it (no blob is written).</summary>
    public required string BlobName { get; init; }

    /// <summary>
    /// The message's bytes, to be kept in its row instead of a blob (at most
    /// <see cref="IndexOptions.InlineMessageBytes"/>; IMAP APPEND); null: the bytes are in the blob.
    /// </summary>
    public byte[]? Content { get; init; }

    public bool SharedBlob { get; init; }

    /// <summary>Required when <see cref="SharedBlob"/>: the RowKey registered in the blob holders table.</summary>
    public string? HolderId { get; init; }

    public required long Size { get; init; }

    public required DateTimeOffset InternalDate { get; init; }

    public IReadOnlyList<string> Flags { get; init; } = [];

    public MessageSummary? Summary { get; init; }

    /// <summary>
    /// The folder's name as the client gave it (IMAP APPEND), or null. When set, the append is
    /// answered <see cref="AppendOutcome.NoSuchFolder"/> unless the folder row — guarded by its
    /// ETag in the same transaction — still carries this name, so a caller may take the folder id
    /// from memory without reading the row first (a rename elsewhere is never appended through).
    /// </summary>
    public string? FolderName { get; init; }

    /// <summary>
    /// Idempotency key (e.g. hand-off id + recipient). A second append with the same key in the
    /// same mailbox changes nothing and returns the first one's UID.
    /// </summary>
    public string? DedupeKey { get; init; }

    /// <summary>Refuse the append if the mailbox would exceed this many bytes.</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>
    /// The appending IMAP session has the folder selected read-write and shows the message as
    /// \Recent itself (RFC 3501 2.3.2: it is the first session told of it). When every message before
    /// it was claimed already (RecentFromUid is its UID), the append's own write of the folder row
    /// moves RecentFromUid past it, so the next SELECT has nothing to claim and writes nothing.
    /// </summary>
    public bool ClaimRecent { get; init; }
}

public enum AppendOutcome
{
    Appended,
    Duplicate,
    OverQuota,
    NoSuchFolder,
}

public sealed record AppendResult(AppendOutcome Outcome, int FolderId, long UidValidity, long Uid, long ModSeq)
{
    /// <summary>The new row's save date (RFC 8514), for a caller that keeps the row in memory.</summary>
    public DateTimeOffset? SavedDate { get; init; }
}

public sealed record FolderChange(long ModSeq, long Uid, FolderChangeKind Kind, IReadOnlyList<string>? Flags);

public enum FolderChangeKind
{
    Flags,
    Expunge,
}

public enum FlagMode
{
    Add,
    Remove,
    Replace,
}

public sealed record FlagUpdateResult(long Uid, IReadOnlyList<string> Flags, long ModSeq, bool Modified);

using Azure;

namespace Serverless.Mail.Index;

/// <summary>One IMAP folder's state as kept in its folder row (RowKey <c>f|{folderId:D6}</c>).</summary>
public sealed record FolderInfo
{
    public required int FolderId { get; init; }

    /// <summary>The full hierarchical name with '/' as the separator; "INBOX" is always upper case.</summary>
    public required string Name { get; init; }

    /// <summary>RFC 6154 attribute such as <c>\Sent</c>, or null.</summary>
    public string? SpecialUse { get; init; }

    public bool Subscribed { get; init; }

    public long UidValidity { get; init; }

    public long UidNext { get; init; }

    public long HighestModSeq { get; init; }

    public long Messages { get; init; }

    public long Unseen { get; init; }

    public long Bytes { get; init; }

    /// <summary>Messages with a UID at or above this are \Recent for the next session that claims them.</summary>
    public long RecentFromUid { get; init; }

    /// <summary>
    /// The change log holds every flag change and expunge with a MODSEQ above this (0: since the
    /// folder began); the entries at or below it may have been pruned (<see cref="IndexOptions.ChangeLogRetention"/>).
    /// </summary>
    public long LogFloor { get; init; }

    public ETag ETag { get; init; }
}

/// <summary>A mailbox's totals across folders (RowKey <c>box</c>), used for quota.</summary>
public sealed record MailboxUsage(long Messages, long Bytes);

public static class SpecialUse
{
    public const string Sent = "\\Sent";
    public const string Drafts = "\\Drafts";
    public const string Trash = "\\Trash";
    public const string Junk = "\\Junk";
    public const string Archive = "\\Archive";
    public const string All = "\\All";
    public const string Flagged = "\\Flagged";

    /// <summary>The folders every new mailbox starts with, and their fixed folder ids.</summary>
    public static readonly IReadOnlyList<(int Id, string Name, string? Use)> Defaults =
    [
        (1, "INBOX", null),
        (2, "Sent", Sent),
        (3, "Drafts", Drafts),
        (4, "Trash", Trash),
        (5, "Junk", Junk),
        (6, "Archive", Archive),
    ];

    public const int InboxId = 1;
    public const int JunkId = 5;
}

/// <summary>
/// A mailbox's folders and the names still subscribed whose folder is gone (RFC 3501 6.3.6), as
/// one LIST reads them.
/// </summary>
public sealed record FolderListing(IReadOnlyList<FolderInfo> Folders, IReadOnlyList<string> KeptSubscriptions);

namespace Serverless.Mail.Feed;

/// <summary>
/// One change feed entry: "folder F of mailbox M changed, up to HIGHESTMODSEQ / UIDNEXT".
/// <see cref="HighestModSeq"/> 0 means "changed, counters unknown" (a deleted folder, or a write
/// whose before/after rows were not both known): whoever watches the folder reads it again.
/// <see cref="Kind"/> says what changed: its messages (the default), or the mailbox's folder list
/// or subscriptions (then the counters are 0 and <see cref="FolderId"/> is the folder concerned, 0 for several).
/// The index stays the truth; a notice only says where to look.
/// </summary>
public sealed record FolderChangeNotice(string MailboxId, int FolderId, long HighestModSeq, long UidNext, NoticeKind Kind = NoticeKind.Messages);

/// <summary>What a <see cref="FolderChangeNotice"/> is about (stored as the entry's <c>K</c>, absent for messages).</summary>
public enum NoticeKind
{
    /// <summary>The folder's messages or flags (append, store, expunge, copy, move).</summary>
    Messages = 0,

    /// <summary>The mailbox's folder list: a folder created, renamed or deleted.</summary>
    Folders = 1,

    /// <summary>A subscription set or removed.</summary>
    Subscriptions = 2,
}

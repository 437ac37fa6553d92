namespace Serverless.Mail.Feed;

/// <summary>
/// One change feed entry: "folder F of mailbox M changed, up to HIGHESTMODSEQ / UIDNEXT".
/// <see cref="HighestModSeq"/> 0 means "changed, counters unknown" (a deleted folder, or a write
/// whose before/after rows were not both known): whoever watches the folder reads it again.
/// The index stays the truth; a notice only says where to look.
/// </summary>
public sealed record FolderChangeNotice(string MailboxId, int FolderId, long HighestModSeq, long UidNext);

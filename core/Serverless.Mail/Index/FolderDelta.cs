namespace Serverless.Mail.Index;

/// <summary>
/// Exactly what one committed index transaction did to one folder: the folder's counters before
/// and after, and every flag change, expunge and new message in between. The transaction was
/// guarded by the folder row's ETag, and every change to a folder's messages moves its
/// HIGHESTMODSEQ, so nothing else happened to the folder from <see cref="FromHighestModSeq"/> to
/// <see cref="HighestModSeq"/>: a view that was current at the "from" counters becomes current at
/// the new ones by applying this, without reading storage (<see cref="FolderView.Follow"/>).
/// </summary>
public sealed record FolderDelta(
    long UidValidity,
    long FromHighestModSeq,
    long FromUidNext,
    long HighestModSeq,
    long UidNext,
    IReadOnlyList<FolderChange> Changes,
    IReadOnlyList<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> Added);

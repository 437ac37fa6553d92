using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Feed;

namespace Serverless.Mail.Index;

/// <summary>
/// The in-process signals of <see cref="MailboxIndex.FolderChanged"/> and
/// <see cref="MailboxIndex.FolderWritten"/>: every role that writes a folder's messages raises
/// them here after its transaction succeeded — and here the change goes on the change feed for
/// other processes (<see cref="Feed"/>), in the same code path, right after the commit.
/// </summary>
internal sealed class FolderSignals
{
    /// <summary>Where other processes learn of this process's writes; null: nowhere (they poll).</summary>
    public ChangeFeedWriter? Feed { get; init; }

    public event Action<string, int>? Changed;

    public event Action<string, int, FolderDelta?>? Written;

    public event Action<string, int, NoticeKind>? ListChanged;

    /// <summary>
    /// The mailbox's folder list or subscriptions changed (<paramref name="folderId"/> the folder
    /// concerned, 0 for several): on the feed for other processes, and to this process's handlers.
    /// </summary>
    public void RaiseList(string mailboxId, int folderId, NoticeKind kind)
    {
        Feed?.Publish(new FolderChangeNotice(mailboxId, folderId, 0, 0, kind));
        foreach (var handler in ListChanged?.GetInvocationList().Cast<Action<string, int, NoticeKind>>() ?? [])
        {
            try
            {
                handler(mailboxId, folderId, kind);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A listener's bug must not fail a change that already succeeded.
            }
        }
    }

    public void Raise(string mailboxId, int folderId, FolderDelta? delta = null)
    {
        Feed?.Publish(new FolderChangeNotice(mailboxId, folderId, delta?.HighestModSeq ?? 0, delta?.UidNext ?? 0));
        foreach (var handler in Written?.GetInvocationList().Cast<Action<string, int, FolderDelta?>>() ?? [])
        {
            try
            {
                handler(mailboxId, folderId, delta);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A listener's bug must not fail a write that already succeeded.
            }
        }
        foreach (var handler in Changed?.GetInvocationList().Cast<Action<string, int>>() ?? [])
        {
            try
            {
                handler(mailboxId, folderId);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A listener's bug must not fail a write that already succeeded.
            }
        }
    }

    /// <summary>
    /// The delta of a transaction that replaced <paramref name="before"/> (the folder row it was
    /// guarded by) with <paramref name="after"/>; null if the guard was no real ETag, since then
    /// someone else's write may lie in between.
    /// </summary>
    public static FolderDelta? DeltaOf(TableEntity before, TableEntity after, IReadOnlyList<FolderChange> changes,
        IReadOnlyList<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> added)
    {
        if (before.ETag == default || before.ETag == ETag.All)
        {
            return null;
        }
        return new FolderDelta(
            before.GetInt64("UidValidity") ?? 0,
            before.GetInt64("HighestModSeq") ?? 1,
            before.GetInt64("UidNext") ?? 1,
            after.GetInt64("HighestModSeq") ?? 1,
            after.GetInt64("UidNext") ?? 1,
            changes,
            added);
    }
}

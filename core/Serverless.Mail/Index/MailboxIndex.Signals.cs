using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

public sealed partial class MailboxIndex
{
    /// <summary>
    /// Raised after this instance changed a folder's messages (append, flags, expunge, copy, move,
    /// delete) with the mailbox id and folder id. IMAP sessions in the same process use it to wake
    /// at once instead of waiting for their next poll of the folder row; other processes still see
    /// every change through the folder's HIGHESTMODSEQ. Handlers must be quick and must not throw.
    /// </summary>
    public event Action<string, int>? FolderChanged;

    /// <summary>
    /// Raised with <see cref="FolderChanged"/>, carrying what the write did when it is known exactly
    /// (null otherwise, e.g. a deleted folder). An event rather than new return values, so the
    /// mutations' signatures stay as they are and every writer in the process (another session, the
    /// dev host's ingest, POP3) lets IMAP sessions follow the change without re-reading what was
    /// just written. Handlers must be quick and must not throw.
    /// </summary>
    public event Action<string, int, FolderDelta?>? FolderWritten;

    private void SignalFolderChanged(string mailboxId, int folderId, FolderDelta? delta = null)
    {
        foreach (var handler in FolderWritten?.GetInvocationList().Cast<Action<string, int, FolderDelta?>>() ?? [])
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
        foreach (var handler in FolderChanged?.GetInvocationList().Cast<Action<string, int>>() ?? [])
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
    private static FolderDelta? DeltaOf(TableEntity before, TableEntity after, IReadOnlyList<FolderChange> changes,
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

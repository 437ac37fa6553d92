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

    private void SignalFolderChanged(string mailboxId, int folderId)
    {
        var handlers = FolderChanged;
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<Action<string, int>>())
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
}

using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.4 DELETE: the folder and its messages go; folders below it stay, and its name
/// then shows as \Noselect in LIST while they exist. INBOX cannot be deleted; nor can a name
/// that only exists as the parent of others.
/// </summary>
internal sealed class DeleteCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = ((MailboxArguments)command.Arguments).Mailbox;
        if (name == "INBOX")
        {
            return ImapResult.No("INBOX cannot be deleted", "CANNOT");
        }
        var mailboxId = FolderLookup.MailboxId(session);
        var folder = await FolderLookup.FindAsync(session, name, cancellationToken);
        if (folder is null)
        {
            var folders = await session.Services.Index.ListFoldersAsync(mailboxId, cancellationToken);
            return folders.Any(f => f.Name.StartsWith(name + "/", StringComparison.Ordinal))
                ? ImapResult.No("Name has inferior hierarchical names and is not selectable", "CANNOT")
                : ImapResult.No("Mailbox does not exist", "NONEXISTENT");
        }
        if (session.Selected?.FolderId == folder.FolderId)
        {
            session.Deselect();
            session.WriteLine("* OK [CLOSED] The selected mailbox is being deleted");
        }
        var deleted = await session.Services.Index.DeleteFolderAsync(mailboxId, folder.FolderId, cancellationToken);
        session.Services.Watchers.ForgetFolderId(mailboxId, folder.Name);
        if (deleted)
        {
            session.Services.Events.MailboxName(mailboxId, session.Notify, folder.Name, deleted: true); // RFC 5465 5.4
        }
        return deleted ? ImapResult.Ok("DELETE completed") : ImapResult.No("Mailbox does not exist", "NONEXISTENT");
    }
}

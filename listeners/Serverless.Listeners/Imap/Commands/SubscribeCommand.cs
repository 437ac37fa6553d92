using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.6 SUBSCRIBE and 6.3.7 UNSUBSCRIBE; the subscription lives on the folder row, and
/// in a row of its own once the folder is deleted (the server must not drop it by itself), which
/// UNSUBSCRIBE removes.
/// </summary>
internal sealed class SubscribeCommand(bool subscribe) : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = ((MailboxArguments)command.Arguments).Mailbox;
        var mailboxId = FolderLookup.MailboxId(session);
        var index = session.Services.Index;
        var folder = await FolderLookup.FindAsync(session, name, cancellationToken);
        if (!subscribe)
        {
            // A folder created again under a deleted subscribed name may have both.
            var kept = await index.RemoveKeptSubscriptionAsync(mailboxId, name, cancellationToken);
            if (folder is null && kept)
            {
                session.Services.Events.SubscriptionChange(mailboxId, session.Notify, name, subscribed: false); // RFC 5465 5.5
                return ImapResult.Ok(command.Name + " completed");
            }
        }
        if (folder is null || !await index.SetSubscribedAsync(mailboxId, folder.FolderId, subscribe, cancellationToken))
        {
            return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
        }
        session.Services.Events.SubscriptionChange(mailboxId, session.Notify, folder.Name, subscribe); // RFC 5465 5.5
        return ImapResult.Ok(command.Name + " completed");
    }
}

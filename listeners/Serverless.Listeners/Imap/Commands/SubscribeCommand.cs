using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 3501 6.3.6 SUBSCRIBE and 6.3.7 UNSUBSCRIBE; the subscription lives on the folder row.</summary>
internal sealed class SubscribeCommand(bool subscribe) : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = ((MailboxArguments)command.Arguments).Mailbox;
        var folder = await FolderLookup.FindAsync(session, name, cancellationToken);
        if (folder is null || !await session.Services.Index.SetSubscribedAsync(FolderLookup.MailboxId(session), folder.FolderId, subscribe, cancellationToken))
        {
            return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
        }
        return ImapResult.Ok(command.Name + " completed");
    }
}

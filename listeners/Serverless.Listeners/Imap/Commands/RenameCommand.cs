using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.5 RENAME: folders below the old name move along; renaming INBOX moves its messages
/// into the new folder and leaves INBOX empty.
/// </summary>
internal sealed class RenameCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (RenameArguments)command.Arguments;
        var to = args.To.TrimEnd(ImapMailboxName.Delimiter);
        if (FolderLookup.InvalidNameReason(to) is { } reason)
        {
            return ImapResult.No(reason, "CANNOT");
        }
        var mailboxId = FolderLookup.MailboxId(session);
        var outcome = await session.Services.Index.RenameFolderAsync(mailboxId, args.From, to, cancellationToken);
        session.Services.Watchers.ForgetFolderId(mailboxId, args.From);
        if (outcome == FolderRenameOutcome.Renamed)
        {
            session.Services.Events.MailboxName(mailboxId, session.Notify, to, oldName: args.From); // RFC 5465 5.4
        }
        return outcome switch
        {
            FolderRenameOutcome.Renamed => ImapResult.Ok("RENAME completed"),
            FolderRenameOutcome.NotFound => ImapResult.No("Mailbox does not exist", "NONEXISTENT"),
            FolderRenameOutcome.AlreadyExists => ImapResult.No("Target mailbox already exists", "ALREADYEXISTS"),
            _ => ImapResult.No("A mailbox cannot be moved below itself", "CANNOT"),
        };
    }
}

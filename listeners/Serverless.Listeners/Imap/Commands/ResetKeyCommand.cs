using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 4467 7.2 RESETKEY: deletes the mailbox access key of one folder, or of every folder when no
/// mailbox is named, so every URL authorized with it fetches NIL from now on.
/// </summary>
internal sealed class ResetKeyCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (ResetKeyArguments)command.Arguments;
        var user = session.State.User!;
        if (args.Mechanisms.FirstOrDefault(m => m != "INTERNAL") is { } unknown)
        {
            return ImapResult.No("Unsupported URLAUTH mechanism " + unknown);
        }
        int? folderId = null;
        if (args.Mailbox is not null)
        {
            var folder = await FolderLookup.FindAsync(session, args.Mailbox, cancellationToken);
            if (folder is null)
            {
                return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
            }
            folderId = folder.FolderId;
        }
        await session.Services.AccessKeys.ResetAsync(user.MailboxId, folderId, cancellationToken);
        return ImapResult.Ok("RESETKEY completed");
    }
}

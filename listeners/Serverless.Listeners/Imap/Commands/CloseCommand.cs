using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.4.2 CLOSE (removes \Deleted messages silently when read-write) and RFC 3691
/// UNSELECT (removes nothing). Both return to the authenticated state.
/// </summary>
internal sealed class CloseCommand(bool expunge) : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.Selected!;
        try
        {
            if (expunge && !selected.ReadOnly)
            {
                var view = await selected.Watcher.GetCurrentAsync(force: true, TimeSpan.Zero, cancellationToken: cancellationToken);
                if (view is not null)
                {
                    var deleted = Enumerable.Range(0, view.Count).Where(i => view.HasFlag(i, ImapFlags.Deleted)).Select(view.Uid).ToList();
                    if (deleted.Count > 0)
                    {
                        await session.Services.Index.ExpungeAsync(FolderLookup.MailboxId(session), selected.FolderId, deleted, cancellationToken);
                    }
                }
            }
        }
        finally
        {
            session.Deselect();
        }
        return ImapResult.Ok(command.Name + " completed");
    }
}

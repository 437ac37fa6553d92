using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.4.3 EXPUNGE and RFC 4315 UID EXPUNGE: removes the messages marked \Deleted (within
/// the UID set for UID EXPUNGE), then reports each removal with an untagged EXPUNGE.
/// </summary>
internal sealed class ExpungeCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.Selected!;
        if (selected.ReadOnly)
        {
            return ImapResult.No("The mailbox is read-only");
        }
        var uidSet = ((ExpungeArguments)command.Arguments).UidSet;
        // The shared view as current as any command's check (this process's writes applied, other
        // processes' within the check interval), not this client's possibly older one. No forced
        // read: the index expunges only rows still marked \Deleted under their ETags.
        var view = await selected.Watcher.GetCurrentAsync(force: false, session.Services.Options.CommandCheckInterval, cancellationToken: cancellationToken);
        if (view is not null)
        {
            var uids = new List<long>();
            for (var i = 0; i < view.Count; i++)
            {
                if (view.HasFlag(i, ImapFlags.Deleted) && (uidSet is null || uidSet.Contains(view.Uid(i), view.LastUid)))
                {
                    uids.Add(view.Uid(i));
                }
            }
            if (uids.Count > 0)
            {
                await session.Services.Index.ExpungeDeletedAsync(FolderLookup.MailboxId(session), selected.FolderId, uids, cancellationToken);
            }
        }
        // The folder was just read (and the expunge, when it followed on from that, applied to the
        // view without a read): a recent check is enough.
        await session.ReportChangesAsync(force: false, allowExpunge: true, cancellationToken);
        return ImapResult.Ok(command.Key + " completed");
    }
}

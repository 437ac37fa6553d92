using Serverless.Mail.Index;
using Serverless.Mail.Usage;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.4.7 COPY and RFC 6851 MOVE, with RFC 4315 COPYUID. COPY shares the message blobs
/// (reference-counted), checks the mailbox's and the tenant's quota and is undone if it fails part-way; MOVE stays inside the
/// mailbox's index partition (one transaction per chunk) and reports the moved messages as
/// EXPUNGEd after an untagged OK [COPYUID].
/// </summary>
internal sealed class CopyCommand(bool move) : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (CopyArguments)command.Arguments;
        var selected = session.Selected!;
        if (move && selected.ReadOnly)
        {
            return ImapResult.No("The mailbox is read-only");
        }
        var indices = selected.Resolve(args.Set, command.Uid);
        var target = await FolderLookup.FindAsync(session, args.Mailbox, cancellationToken);
        if (target is null)
        {
            return ImapResult.No("Target mailbox does not exist", "TRYCREATE");
        }
        if (indices.Count == 0)
        {
            return ImapResult.Ok("No messages to " + command.Name.ToLowerInvariant());
        }
        var uids = indices.Select(selected.View.Uid).ToList();
        var account = session.State.User!;
        // COPY adds bytes, MOVE does not (it never raises usage, so moving mail out of the way stays possible).
        if (!move && await session.Services.Quotas.CheckStoreAsync(account.TenantId, 0, cancellationToken) != QuotaVerdict.Within)
        {
            return ImapResult.No("Your organisation's storage quota is exceeded", "OVERQUOTA");
        }
        var result = move
            ? await session.Services.Index.MoveMessagesAsync(account.MailboxId, selected.FolderId, uids, target.FolderId, cancellationToken)
            : await session.Services.Index.CopyMessagesAsync(account.MailboxId, selected.FolderId, uids, target.FolderId,
                account.QuotaBytes > 0 ? account.QuotaBytes : null, cancellationToken);
        await JunkLearning.AfterCopyAsync(session, selected, target, move, result, cancellationToken);
        string? copyUid = result.SourceUids.Count > 0
            ? $"COPYUID {result.UidValidity} {SequenceSet.Format(result.SourceUids)} {SequenceSet.Format(result.TargetUids)}"
            : null;
        if (move)
        {
            if (copyUid is not null)
            {
                session.WriteLine($"* OK [{copyUid}] Moved");
            }
            // The move reported what it did to this folder's view (or left it stale if someone else
            // wrote in between, and then this reads storage): a recent check is enough.
            await session.ReportChangesAsync(force: false, allowExpunge: true, cancellationToken);
        }
        return result.Outcome switch
        {
            CopyOutcome.NoSuchFolder => ImapResult.No("Target mailbox does not exist", "TRYCREATE"),
            CopyOutcome.OverQuota => ImapResult.No("Quota exceeded", "OVERQUOTA"),
            _ => move ? ImapResult.Ok(command.Key + " completed") : ImapResult.Ok(command.Key + " completed", copyUid),
        };
    }
}

using Serverless.Mail.Index;
using Serverless.Mail.Spam.Learning;

namespace Serverless.Listeners.Imap;

/// <summary>
/// What mail clients do when a user marks mail, turned into spam learning (issue 18): a message
/// copied or moved into a <c>\Junk</c> folder, or given <c>$Junk</c>, is spam; moved out of Junk
/// (anywhere but Trash: deleting spam is no verdict on it), or given <c>$NotJunk</c>, is ham. The
/// command only puts one message on the <c>spam-learning</c> queue after its own work is done — the
/// learning runs elsewhere — and a failed put never fails the command.
/// </summary>
internal static class JunkLearning
{
    public static Task AfterCopyAsync(ImapSession session, SelectedFolder source, FolderInfo target, bool move, CopyResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome != CopyOutcome.Copied || result.TargetUids.Count == 0)
        {
            return Task.CompletedTask;
        }
        var intoJunk = IsJunk(target.SpecialUse) && !IsJunk(source.SpecialUse);
        var outOfJunk = move && IsJunk(source.SpecialUse) && !IsJunk(target.SpecialUse) && target.SpecialUse != SpecialUse.Trash;
        if (!intoJunk && !outOfJunk)
        {
            return Task.CompletedTask;
        }
        return EnqueueAsync(session, target.FolderId, result.UidValidity, result.TargetUids, intoJunk, cancellationToken);
    }

    public static Task AfterStoreAsync(ImapSession session, SelectedFolder folder, bool adding, IReadOnlyList<string> flags, IEnumerable<long> uids, CancellationToken cancellationToken)
    {
        if (!adding)
        {
            return Task.CompletedTask;
        }
        var junk = flags.Contains(SpamVerdicts.JunkKeyword, StringComparer.OrdinalIgnoreCase);
        var notJunk = flags.Contains(SpamVerdicts.NotJunkKeyword, StringComparer.OrdinalIgnoreCase);
        var list = uids.ToList();
        return junk == notJunk || list.Count == 0
            ? Task.CompletedTask
            : EnqueueAsync(session, folder.FolderId, folder.UidValidity, list, junk, cancellationToken);
    }

    private static bool IsJunk(string? specialUse) => string.Equals(specialUse, SpecialUse.Junk, StringComparison.OrdinalIgnoreCase);

    private static Task EnqueueAsync(ImapSession session, int folderId, long uidValidity, IReadOnlyList<long> uids, bool spam, CancellationToken cancellationToken)
    {
        var user = session.State.User!;
        return session.Services.SpamLearning.TryEnqueueAsync(new SpamLearningRequest
        {
            TenantId = user.TenantId,
            MailboxId = user.MailboxId,
            Verdict = spam ? SpamVerdicts.Spam : SpamVerdicts.Ham,
            FolderId = folderId,
            UidValidity = uidValidity,
            Uids = uids,
            Source = "imap",
        }, cancellationToken);
    }
}

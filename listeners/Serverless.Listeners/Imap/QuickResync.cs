using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// RFC 7162 QRESYNC: what changed since the MODSEQ a client remembers, from the folder's change
/// log (expunges) and the view (flag changes) — one range query, however stale the client is.
/// </summary>
internal static class QuickResync
{
    /// <summary>SELECT (QRESYNC (…)): VANISHED (EARLIER) for expunged known UIDs, FETCH for changed messages.</summary>
    public static async Task WriteAsync(ImapSession session, string mailboxId, SelectedFolder selected, QResyncParameters known, CancellationToken cancellationToken)
    {
        var view = selected.View;
        await WriteVanishedAsync(session, mailboxId, selected, known.ModSeq, known.KnownUids, cancellationToken);
        for (var i = 0; i < view.Count; i++)
        {
            if (view.ModSeq(i) > known.ModSeq)
            {
                selected.WriteFlags(session.Output, i, condStore: true);
                await session.FlushIfLargeAsync(cancellationToken);
            }
        }
    }

    /// <summary>* VANISHED (EARLIER) uids — expunged since <paramref name="since"/>, limited to <paramref name="within"/> when given.</summary>
    public static async Task WriteVanishedAsync(ImapSession session, string mailboxId, SelectedFolder selected, long since, SequenceSet? within, CancellationToken cancellationToken)
    {
        var changes = await session.Services.Index.GetChangesAsync(mailboxId, selected.FolderId, since, cancellationToken);
        var last = Math.Max(selected.View.UidNext - 1, selected.View.LastUid);
        var gone = changes.Where(c => c.Kind == Serverless.Mail.Index.FolderChangeKind.Expunge)
            .Select(c => c.Uid)
            .Where(uid => (within is null || within.Contains(uid, last)) && selected.View.IndexOf(uid) < 0)
            .Distinct()
            .Order()
            .ToList();
        if (gone.Count > 0)
        {
            session.WriteLine("* VANISHED (EARLIER) " + SequenceSet.Format(gone));
        }
    }
}

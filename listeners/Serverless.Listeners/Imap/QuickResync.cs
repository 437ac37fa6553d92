using System.Globalization;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// RFC 7162 QRESYNC: what changed since the MODSEQ a client remembers, from the folder's change
/// log (expunges, read a page at a time) and the view (flag changes); from the UIDs that exist
/// when the log has been pruned past the client's MODSEQ.
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

    /// <summary>
    /// * VANISHED (EARLIER) uids — expunged since <paramref name="since"/>, limited to
    /// <paramref name="within"/> when given. From the change log, read a page at a time, while it
    /// reaches back to <paramref name="since"/>; when it has been pruned past that (the folder row's
    /// log floor), from the UIDs that exist: every UID of the client's range the folder no longer
    /// holds (RFC 7162 3.2.5.2 lets the server name UIDs the client may never have seen).
    /// </summary>
    public static async Task WriteVanishedAsync(ImapSession session, string mailboxId, SelectedFolder selected, long since, SequenceSet? within, CancellationToken cancellationToken)
    {
        var view = selected.View;
        var last = Math.Max(view.UidNext - 1, view.LastUid);
        var folder = await session.Services.Index.GetFolderAsync(mailboxId, selected.FolderId, cancellationToken);
        if (folder is not null && since < folder.LogFloor)
        {
            var ranges = Absent(view, (within ?? SequenceSet.Of(1, SequenceSet.Star)).Resolve(last), last);
            if (ranges.Count > 0)
            {
                session.WriteLine("* VANISHED (EARLIER) " + string.Join(",", ranges.Select(r => r.From == r.To ? r.From.ToString(CultureInfo.InvariantCulture)
                    : FormattableString.Invariant($"{r.From}:{r.To}"))));
            }
            return;
        }
        var gone = new SortedSet<long>();
        await foreach (var c in session.Services.Index.ReadChangesAsync(mailboxId, selected.FolderId, since, cancellationToken))
        {
            if (c.Kind == Serverless.Mail.Index.FolderChangeKind.Expunge && (within is null || within.Contains(c.Uid, last)) && view.IndexOf(c.Uid) < 0)
            {
                gone.Add(c.Uid);
            }
        }
        if (gone.Count > 0)
        {
            session.WriteLine("* VANISHED (EARLIER) " + SequenceSet.Format(gone));
        }
    }

    /// <summary>The UID ranges within <paramref name="ranges"/> (up to <paramref name="last"/>) that the view does not hold.</summary>
    private static List<(long From, long To)> Absent(Serverless.Mail.Index.FolderView view, IReadOnlyList<(long From, long To)> ranges, long last)
    {
        var result = new List<(long From, long To)>();
        foreach (var (from, to) in ranges)
        {
            var next = Math.Max(1, from);
            var end = Math.Min(to, last);
            for (var i = view.LowerBound(next); next <= end; i++)
            {
                var present = i < view.Count ? view.Uid(i) : long.MaxValue;
                if (present > next)
                {
                    Add(result, next, Math.Min(end, present - 1));
                }
                next = present == long.MaxValue ? long.MaxValue : present + 1;
            }
        }
        return result;
    }

    private static void Add(List<(long From, long To)> result, long from, long to)
    {
        if (result.Count > 0 && result[^1].To + 1 >= from)
        {
            result[^1] = (result[^1].From, Math.Max(result[^1].To, to));
        }
        else
        {
            result.Add((from, to));
        }
    }
}

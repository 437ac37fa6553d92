using System.Runtime.CompilerServices;
using Serverless.Listeners.Caching;
using Serverless.Mail.Index;

namespace Serverless.Listeners.Imap;

/// <summary>
/// The unchanging parts of the selected folder's message rows for FETCH and SEARCH: from the
/// process's <see cref="MessageCache"/> when held, otherwise read in bulk — one range query per
/// cluster of missing messages (never one per message), widened a little around a small request
/// so the next command on neighbouring messages finds them warm — and kept. A message the cache
/// holds is answered only if the folder's shared watcher still has it: expunges seen by this
/// process (its own writes at once, others' through the usual folder check, at most one per
/// <see cref="ImapOptions.CommandCheckInterval"/> per folder, or NOOP) are honoured as a fresh
/// read would; the cache adds no check of its own.
/// </summary>
internal sealed class MessageRows(ImapSession session, SelectedFolder selected, bool needSummary)
{
    /// <summary>Missing messages this far apart (in view positions) share one query.</summary>
    private const int MaxGap = 64;

    /// <summary>A request smaller than this many messages reads this many around it.</summary>
    private const int ReadAround = 64;

    /// <summary>Queries over at most this many messages read summaries even when not asked, so they are cached whole.</summary>
    private const int SummariesUpTo = 256;

    /// <summary>
    /// Each index (in the order given, which must ascend) with its row's unchanging parts, or null
    /// when the message was expunged elsewhere.
    /// </summary>
    public async IAsyncEnumerable<(int Index, CachedMessage? Message)> ReadAsync(IReadOnlyList<int> indices, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var view = selected.View;
        var cache = session.Services.Cache;
        var mailboxId = FolderLookup.MailboxId(session);
        var held = new CachedMessage?[indices.Count];
        var anyHeld = false;
        for (var k = 0; k < indices.Count; k++)
        {
            held[k] = cache.GetMessage(Key(mailboxId, view.Uid(indices[k])), needSummary);
            anyHeld |= held[k] is not null;
        }
        FolderView? latest = null;
        if (anyHeld)
        {
            // What this process knows of the folder, with its own writes applied; no read of its
            // own: when others' changes are looked for is the session's change check's business.
            latest = await selected.Watcher.GetCurrentAsync(false, TimeSpan.MaxValue, cancellationToken: cancellationToken);
            if (latest is null || latest.UidValidity != selected.UidValidity)
            {
                Array.Clear(held); // the folder is gone or was replaced: read rows as they are
                latest = null;
            }
        }
        var clusters = Clusters(indices, held, view.Count);
        var next = 0;
        IAsyncEnumerator<IndexedMessage>? rows = null;
        var more = false;
        var clusterEnd = -1L;
        var withSummary = false;
        try
        {
            for (var k = 0; k < indices.Count; k++)
            {
                var uid = view.Uid(indices[k]);
                if (held[k] is { } hit)
                {
                    yield return (indices[k], latest!.IndexOf(uid) >= 0 ? hit : null);
                    continue;
                }
                if (rows is null || uid > clusterEnd)
                {
                    if (rows is not null)
                    {
                        await DrainAsync(rows, more, mailboxId, withSummary);
                        await rows.DisposeAsync();
                    }
                    (var from, var to, withSummary) = clusters[next++];
                    clusterEnd = view.Uid(to);
                    rows = session.Services.Index.ListMessagesAsync(mailboxId, selected.FolderId, view.Uid(from), clusterEnd,
                        includeSummary: withSummary, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
                    more = await rows.MoveNextAsync();
                }
                CachedMessage? found = null;
                while (more && rows.Current.Uid <= uid)
                {
                    var row = Keep(mailboxId, rows.Current, withSummary);
                    if (rows.Current.Uid == uid)
                    {
                        found = row;
                    }
                    more = await rows.MoveNextAsync();
                }
                yield return (indices[k], found);
            }
            if (rows is not null)
            {
                await DrainAsync(rows, more, mailboxId, withSummary);
            }
        }
        finally
        {
            if (rows is not null)
            {
                await rows.DisposeAsync();
            }
        }
    }

    /// <summary>Keeps a message whose summary had to be built from its blob, so that is done once.</summary>
    public void Remember(long uid, CachedMessage message) =>
        session.Services.Cache.SetMessage(Key(FolderLookup.MailboxId(session), uid), message);

    private MessageKey Key(string mailboxId, long uid) => new(mailboxId, selected.FolderId, selected.UidValidity, uid);

    private CachedMessage Keep(string mailboxId, IndexedMessage row, bool withSummary)
    {
        var message = new CachedMessage(row.BlobName, row.Size, row.InternalDate, row.Summary, withSummary)
        {
            SavedDate = row.SavedDate,
            InRow = row.Inline ? row.Source(mailboxId, selected.FolderId) with { Content = null } : null,
        };
        session.Services.Cache.SetMessage(Key(mailboxId, row.Uid), message);
        return message;
    }

    /// <summary>The rows read ahead past the last wanted one are kept too (same query, no extra request but its last page).</summary>
    private async Task DrainAsync(IAsyncEnumerator<IndexedMessage> rows, bool more, string mailboxId, bool withSummary)
    {
        while (more)
        {
            Keep(mailboxId, rows.Current, withSummary);
            more = await rows.MoveNextAsync();
        }
    }

    /// <summary>View positions [from, to] to query, one range per cluster of messages not held, in order.</summary>
    private List<(int From, int To, bool WithSummary)> Clusters(IReadOnlyList<int> indices, CachedMessage?[] held, int count)
    {
        var clusters = new List<(int From, int To, bool WithSummary)>();
        for (var k = 0; k < indices.Count; k++)
        {
            if (held[k] is not null)
            {
                continue;
            }
            var i = indices[k];
            if (clusters.Count > 0 && i - clusters[^1].To <= MaxGap)
            {
                clusters[^1] = (clusters[^1].From, i, false);
            }
            else
            {
                clusters.Add((i, i, false));
            }
        }
        if (clusters.Count > 0)
        {
            var span = clusters[^1].To - clusters[0].From + 1;
            if (span < ReadAround)
            {
                // A small request: read around it (newer messages first, as clients page towards them).
                var extra = ReadAround - span;
                var to = Math.Min(count - 1, clusters[^1].To + extra);
                var from = Math.Max(0, clusters[0].From - (extra - (to - clusters[^1].To)));
                clusters[0] = (from, clusters[0].To, false);
                clusters[^1] = (clusters[^1].From, to, false);
            }
        }
        for (var c = 0; c < clusters.Count; c++)
        {
            clusters[c] = clusters[c] with { WithSummary = needSummary || clusters[c].To - clusters[c].From < SummariesUpTo };
        }
        return clusters;
    }
}

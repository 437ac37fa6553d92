using System.Globalization;
using System.Text;
using Serverless.Listeners.Imap.Commands;
using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// One SEARCH or SORT kept up to date (RFC 5267 4.3, RETURN (UPDATE)): its criteria, its result as
/// UIDs (ascending for SEARCH, in sort order for SORT) and how far the session's view was checked.
/// </summary>
internal sealed class SearchContext(string tag, bool uid, SearchKey key, IReadOnlyList<SortCriterion>? sort)
{
    public string Tag { get; } = tag;

    /// <summary>Updates name UIDs (UID SEARCH / UID SORT), else sequence numbers.</summary>
    public bool Uid { get; } = uid;

    public SearchKey Key { get; } = key;

    /// <summary>The SORT criteria; null for a SEARCH.</summary>
    public IReadOnlyList<SortCriterion>? Sort { get; } = sort;

    /// <summary>The result's UIDs in result order.</summary>
    public List<long> Results { get; } = [];

    /// <summary>For a SORT: what each result is ordered by (its Number refreshed before each sort).</summary>
    public Dictionary<long, SortFields> Fields { get; } = [];

    /// <summary>Messages above this UID were not looked at yet.</summary>
    public long LastUid { get; set; }

    /// <summary>Messages whose MODSEQ is above this changed since they were looked at.</summary>
    public long CheckedModSeq { get; set; }

    /// <summary>Marks every message of <paramref name="selected"/>'s view as looked at.</summary>
    public void Checked(SelectedFolder selected)
    {
        LastUid = selected.View.LastUid;
        for (var i = 0; i < selected.Count; i++)
        {
            CheckedModSeq = Math.Max(CheckedModSeq, selected.ModSeqAt(i));
        }
    }
}

/// <summary>
/// The session's kept searches (RFC 5267 CONTEXT=SEARCH / CONTEXT=SORT). Updates are driven only by
/// what the session already learns of its folder — its own STOREs, and the changes each command's
/// check reports — and re-evaluate the criteria on the changed and new messages alone (rows from
/// <see cref="MessageRows"/>, as SEARCH reads them). Removals of expunged messages are sent before
/// the EXPUNGEs, while their sequence numbers still hold. Contexts end with CANCELUPDATE or when the
/// folder is left.
/// </summary>
internal sealed class SearchUpdates
{
    /// <summary>At most this many kept searches per session; more are answered NOUPDATE.</summary>
    public const int MaxContexts = 8;

    private readonly List<SearchContext> _contexts = [];

    public bool Any => _contexts.Count > 0;

    /// <summary>Keeps <paramref name="context"/> unless there are too many (the caller then says NOUPDATE).</summary>
    public bool TryAdd(SearchContext context)
    {
        if (_contexts.Count >= MaxContexts)
        {
            return false;
        }
        _contexts.RemoveAll(c => c.Tag == context.Tag);
        _contexts.Add(context);
        return true;
    }

    /// <summary>Stops the contexts named; false if one of them is not kept.</summary>
    public bool Cancel(IReadOnlyList<string> tags)
    {
        if (tags.Any(t => !_contexts.Exists(c => c.Tag == t)))
        {
            return false;
        }
        _contexts.RemoveAll(c => tags.Contains(c.Tag));
        return true;
    }

    public void Clear() => _contexts.Clear();

    /// <summary>Before the client's view moves to <paramref name="target"/>: REMOVEFROM for results it no longer has.</summary>
    public void ReportExpunges(ImapSession session, SelectedFolder selected, FolderView target)
    {
        foreach (var c in _contexts)
        {
            var removed = new List<(int Position, long Uid)>();
            for (var k = c.Results.Count - 1; k >= 0; k--)
            {
                if (target.IndexOf(c.Results[k]) < 0)
                {
                    removed.Add((k + 1, c.Results[k]));
                    c.Fields.Remove(c.Results[k]);
                    c.Results.RemoveAt(k);
                }
            }
            if (removed.Count > 0)
            {
                session.WriteLine(Line(c, [], removed, selected.View));
            }
        }
    }

    /// <summary>ADDTO / REMOVEFROM for messages of the client's view that are new or changed since last looked at.</summary>
    public async Task ReportChangesAsync(ImapSession session, SelectedFolder selected, CancellationToken cancellationToken)
    {
        var view = selected.View;
        foreach (var c in _contexts.ToList())
        {
            var candidates = new List<int>();
            var highest = c.CheckedModSeq;
            for (var i = 0; i < view.Count; i++)
            {
                var modSeq = selected.ModSeqAt(i);
                if (view.Uid(i) > c.LastUid || modSeq > c.CheckedModSeq)
                {
                    candidates.Add(i);
                }
                highest = Math.Max(highest, modSeq);
            }
            if (candidates.Count == 0)
            {
                continue;
            }
            var matches = await new SearchEvaluator(session, selected).EvaluateAsync(c.Key, candidates, cancellationToken);
            c.LastUid = view.LastUid;
            c.CheckedModSeq = highest;
            var matching = matches.Select(view.Uid).ToHashSet();
            var held = c.Results.ToHashSet();
            var gone = candidates.Select(view.Uid).Where(u => held.Contains(u) && !matching.Contains(u)).ToHashSet();
            var added = matches.Where(i => !held.Contains(view.Uid(i))).ToList();
            if (gone.Count == 0 && added.Count == 0)
            {
                continue;
            }
            var removed = new List<(int Position, long Uid)>();
            for (var k = c.Results.Count - 1; k >= 0; k--)
            {
                if (gone.Contains(c.Results[k]))
                {
                    removed.Add((k + 1, c.Results[k]));
                    c.Fields.Remove(c.Results[k]);
                    c.Results.RemoveAt(k);
                }
            }
            var inserted = new List<(int Position, long Uid)>();
            if (c.Sort is null)
            {
                c.Results.AddRange(added.Select(view.Uid));
                c.Results.Sort();
                inserted.AddRange(added.Select(i => (0, view.Uid(i))));
            }
            else
            {
                foreach (var f in await SortCommand.ReadFieldsAsync(session, selected, added, c.Sort, cancellationToken))
                {
                    c.Fields[view.Uid(f.Number - 1)] = f;
                }
                var order = c.Fields.Where(p => view.IndexOf(p.Key) >= 0).Select(p => p.Value with { Number = view.IndexOf(p.Key) + 1 }).ToList();
                order.Sort(ImapSortOrder.For(c.Sort));
                c.Results.Clear();
                c.Results.AddRange(order.Select(f => view.Uid(f.Number - 1)));
                var fresh = added.Select(view.Uid).ToHashSet();
                for (var k = 0; k < c.Results.Count; k++)
                {
                    if (fresh.Contains(c.Results[k]))
                    {
                        inserted.Add((k + 1, c.Results[k]));
                    }
                }
            }
            session.WriteLine(Line(c, inserted, removed, view));
        }
    }

    /// <summary>
    /// <c>* ESEARCH (TAG "t") [UID] [REMOVEFROM (pos set)…] [ADDTO (pos set)…]</c>. A SEARCH's
    /// updates have position 0 (its order is the numbers' own) and one set each; a SORT's name each
    /// message at its position, removals from the last, so applying them in turn gives the new order.
    /// </summary>
    private static string Line(SearchContext c, List<(int Position, long Uid)> added, List<(int Position, long Uid)> removed, FolderView view)
    {
        var sb = new StringBuilder("* ESEARCH (TAG \"").Append(c.Tag).Append("\")");
        if (c.Uid)
        {
            sb.Append(" UID");
        }
        Append("REMOVEFROM", removed);
        Append("ADDTO", added);
        return sb.ToString();

        void Append(string name, List<(int Position, long Uid)> changes)
        {
            if (changes.Count == 0)
            {
                return;
            }
            long Number(long uid) => c.Uid ? uid : view.IndexOf(uid) + 1;
            if (c.Sort is null)
            {
                sb.Append(' ').Append(name).Append(" (0 ").Append(SequenceSet.Format(changes.Select(x => Number(x.Uid)).Order())).Append(')');
                return;
            }
            foreach (var (position, uid) in changes)
            {
                sb.Append(' ').Append(name).Append(" (").Append(position.ToString(CultureInfo.InvariantCulture))
                    .Append(' ').Append(Number(uid).ToString(CultureInfo.InvariantCulture)).Append(')');
            }
        }
    }
}

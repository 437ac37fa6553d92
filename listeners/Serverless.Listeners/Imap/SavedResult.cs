using Serverless.Mail.Index;

namespace Serverless.Listeners.Imap;

/// <summary>
/// RFC 5182 SEARCHRES: the result a SEARCH (or SORT) with <c>RETURN (SAVE …)</c> kept for "$", as
/// UIDs, so an expunge takes a message out of it by itself (the UID is simply no longer in the view).
/// Lives as long as the selected folder; empty at SELECT and after a failed SEARCH.
/// </summary>
internal sealed class SavedResult
{
    // Shared while nothing is saved (never mutated: a save replaces the set), so a selected folder
    // that never saves a result holds no set of its own.
    private static readonly HashSet<long> Nothing = [];
    private HashSet<long> _uids = Nothing;

    /// <summary>
    /// Keeps the result of a search whose RETURN options hold SAVE (RFC 5182 2.1): with only MIN
    /// and/or MAX among ALL, COUNT, MIN and MAX, just those messages; otherwise every match.
    /// </summary>
    /// <param name="uids">The matches' UIDs in the order MIN and MAX refer to (ascending; a SORT's sort order).</param>
    public void SaveIfAsked(IReadOnlyList<string> options, IReadOnlyList<long> uids)
    {
        if (!options.Contains("SAVE"))
        {
            return;
        }
        if (uids.Count > 0 && !options.Any(o => o is "ALL" or "COUNT") && options.Any(o => o is "MIN" or "MAX"))
        {
            _uids = [.. options.Contains("MIN") ? [uids[0]] : Array.Empty<long>(), .. options.Contains("MAX") ? [uids[^1]] : Array.Empty<long>()];
            return;
        }
        _uids = [.. uids];
    }

    /// <summary>A SEARCH that failed leaves "$" empty (RFC 5182 2.1).</summary>
    public void Clear() => _uids = Nothing;

    public bool Contains(long uid) => _uids.Contains(uid);

    /// <summary>The 0-based indices in <paramref name="view"/> of the saved messages still there, ascending.</summary>
    public List<int> IndicesIn(FolderView view)
    {
        var indices = new List<int>(_uids.Count);
        foreach (var uid in _uids.Order())
        {
            var k = view.LowerBound(uid);
            if (k < view.Count && view.Uid(k) == uid)
            {
                indices.Add(k);
            }
        }
        return indices;
    }
}

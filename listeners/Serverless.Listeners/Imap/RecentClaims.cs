using System.Collections.Concurrent;

namespace Serverless.Listeners.Imap;

/// <summary>
/// The \Recent claims this process made without writing them to storage: mail that arrived while a
/// session had the folder selected is \Recent in that session (RFC 3501 2.3.2), and no other session
/// of this process may claim it again — not a later SELECT (whose storage claim still covers it) and
/// not STATUS (RECENT). Storage only records SELECT's claim (one conditional write per SELECT that
/// finds new mail); a claim made here is not seen by other listener instances.
/// </summary>
internal sealed class RecentClaims
{
    private const int MaxFolders = 100_000;
    private readonly ConcurrentDictionary<(string MailboxId, int FolderId), long> _claimedTo = new();

    /// <summary>UIDs below this are claimed by a session of this process (0: none beyond storage's claim).</summary>
    public long ClaimedTo(string mailboxId, int folderId) => _claimedTo.TryGetValue((mailboxId, folderId), out var to) ? to : 0;

    /// <summary>
    /// Claims [<paramref name="fromUid"/>, <paramref name="toUid"/>) less what a session of this
    /// process already claimed; returns the part that is now this caller's.
    /// </summary>
    public (long From, long To) Claim(string mailboxId, int folderId, long fromUid, long toUid)
    {
        if (toUid <= fromUid)
        {
            return (toUid, toUid);
        }
        if (_claimedTo.Count > MaxFolders)
        {
            _claimedTo.Clear(); // bounded memory; at worst a message is \Recent in a second session
        }
        var key = (mailboxId, folderId);
        while (true)
        {
            if (!_claimedTo.TryGetValue(key, out var claimed))
            {
                if (_claimedTo.TryAdd(key, toUid))
                {
                    return (fromUid, toUid);
                }
                continue;
            }
            if (claimed >= toUid)
            {
                return (toUid, toUid);
            }
            if (_claimedTo.TryUpdate(key, toUid, claimed))
            {
                return (Math.Max(fromUid, claimed), toUid);
            }
        }
    }
}

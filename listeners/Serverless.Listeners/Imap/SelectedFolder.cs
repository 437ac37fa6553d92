using System.Buffers;
using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// The selected mailbox as this session's client knows it: the view its sequence numbers refer
/// to (shared with other sessions until one of them moves on), the messages that are \Recent for
/// this session, and the flags this session stored itself but the view does not show yet.
/// Moving to a newer view writes exactly the untagged EXPUNGE / EXISTS / RECENT / FETCH responses
/// the client needs to follow (RFC 3501 7.3, 7.4).
/// </summary>
internal sealed class SelectedFolder
{
    private readonly List<(long From, long To)> _recent = [];
    // Made at first use: most selected folders (an idling client's INBOX) never store a flag or
    // see a keyword, and 10,000 idle sessions each held ~150 bytes of empty collections.
    private Dictionary<long, (IReadOnlyList<string> Flags, long ModSeq)>? _stored;
    private readonly List<string> _keywords = [];
    private HashSet<string>? _announced;
    private bool _rev2;

    public SelectedFolder(FolderWatcher watcher, FolderInfo folder, FolderView view, bool readOnly)
    {
        Watcher = watcher;
        FolderId = folder.FolderId;
        Name = folder.Name;
        SpecialUse = folder.SpecialUse;
        UidValidity = folder.UidValidity;
        View = view;
        ReadOnly = readOnly;
        foreach (var flag in view.FlagsInUse())
        {
            if (!flag.StartsWith('\\') && Announce(flag))
            {
                _keywords.Add(flag);
            }
        }
    }

    /// <summary>The FLAGS response's list: the system flags and every keyword the client was told of.</summary>
    public IEnumerable<string> Flags => ImapFlags.Storable.Concat(_keywords);

    /// <summary>
    /// Before a response shows a keyword this client was not told of, an untagged FLAGS (and, read-write,
    /// PERMANENTFLAGS) naming it (RFC 3501 7.2.6: FLAGS is the set of flags the client may see).
    /// </summary>
    public void AnnounceKeywords(IEnumerable<string> flags, IBufferWriter<byte> w)
    {
        var fresh = false;
        foreach (var flag in flags)
        {
            if (!flag.StartsWith('\\') && Announce(flag))
            {
                _keywords.Add(flag);
                fresh = true;
            }
        }
        if (!fresh)
        {
            return;
        }
        ImapWire.Raw(w, "* FLAGS "u8);
        ImapWire.FlagList(w, Flags.ToList());
        ImapWire.Crlf(w);
        if (!ReadOnly)
        {
            ImapWire.Raw(w, "* OK [PERMANENTFLAGS "u8);
            ImapWire.FlagList(w, [.. Flags, "\\*"]);
            ImapWire.Raw(w, "] Flags permitted\r\n"u8);
        }
    }

    public FolderWatcher Watcher { get; }

    public int FolderId { get; }

    public string Name { get; }

    public long UidValidity { get; }

    /// <summary>RFC 6154 special use (<c>\Junk</c>, <c>\Trash</c>…) or null.</summary>
    public string? SpecialUse { get; }

    public bool ReadOnly { get; }

    /// <summary>
    /// IMAP4rev2 is enabled (RFC 9051 Appendix E 12): \Recent is neither shown nor counted, and no
    /// RECENT response is written. Setting it forgets what was \Recent for this session.
    /// </summary>
    public bool Rev2
    {
        get => _rev2;
        set
        {
            _rev2 = value;
            if (value)
            {
                _recent.Clear();
            }
        }
    }

    /// <summary>RFC 5182: the result "$" stands for.</summary>
    public SavedResult Saved { get; } = new();

    /// <summary>The view the client's sequence numbers refer to.</summary>
    public FolderView View { get; private set; }

    public int Count => View.Count;

    /// <summary>
    /// Adds UIDs [<paramref name="fromUid"/>, <paramref name="toUid"/>) as \Recent. The ranges are kept
    /// sorted, disjoint and merged (new mail arrives as the range right after the last one), so a
    /// session that sees thousands of arrivals keeps one range, not one per arrival.
    /// </summary>
    public void AddRecent(long fromUid, long toUid)
    {
        if (toUid <= fromUid || Rev2)
        {
            return;
        }
        _recent.Add((fromUid, toUid));
        if (_recent.Count == 1)
        {
            return;
        }
        _recent.Sort();
        var merged = 0;
        for (var k = 1; k < _recent.Count; k++)
        {
            var (from, to) = _recent[k];
            if (from <= _recent[merged].To)
            {
                _recent[merged] = (_recent[merged].From, Math.Max(_recent[merged].To, to));
            }
            else
            {
                _recent[++merged] = (from, to);
            }
        }
        _recent.RemoveRange(merged + 1, _recent.Count - merged - 1);
    }

    public bool IsRecent(long uid)
    {
        foreach (var (from, to) in _recent)
        {
            if (uid >= from && uid < to)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Messages of the view that are \Recent: the ranges are disjoint and the view sorted by UID, so two binary searches each.</summary>
    public int RecentCount()
    {
        var n = 0;
        foreach (var (from, to) in _recent)
        {
            n += View.LowerBound(to) - View.LowerBound(from);
        }
        return n;
    }

    /// <summary>Flags of the message at <paramref name="index"/> as this client should see them (with \Recent).</summary>
    public IReadOnlyList<string> FlagsAt(int index)
    {
        var uid = View.Uid(index);
        var flags = TryGetStored(uid, out var s) && s.ModSeq >= View.ModSeq(index) ? s.Flags : View.Flags(index);
        return IsRecent(uid) ? [.. flags, ImapFlags.Recent] : flags;
    }

    public bool HasFlagAt(int index, string flag)
    {
        var uid = View.Uid(index);
        if (TryGetStored(uid, out var s) && s.ModSeq >= View.ModSeq(index))
        {
            return ImapFlags.Contains(s.Flags, flag);
        }
        return View.HasFlag(index, flag);
    }

    public long ModSeqAt(int index)
    {
        var uid = View.Uid(index);
        return TryGetStored(uid, out var s) && s.ModSeq > View.ModSeq(index) ? s.ModSeq : View.ModSeq(index);
    }

    private bool TryGetStored(long uid, out (IReadOnlyList<string> Flags, long ModSeq) stored)
    {
        stored = default;
        return _stored?.TryGetValue(uid, out stored) == true;
    }

    /// <summary>True the first time <paramref name="keyword"/> is seen in this folder (so it is announced once).</summary>
    private bool Announce(string keyword) => (_announced ??= new(StringComparer.OrdinalIgnoreCase)).Add(keyword);

    /// <summary>Remembers flags this session stored (and reported) before the shared view shows them.</summary>
    public void RecordStored(long uid, IReadOnlyList<string> flags, long modSeq) => (_stored ??= [])[uid] = (flags, modSeq);

    /// <summary>True when <paramref name="target"/> lacks a message the client knows (moving to it would expunge).</summary>
    public bool Expunges(FolderView target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.UidValidity != View.UidValidity)
        {
            return true;
        }
        var j = 0;
        for (var i = 0; i < View.Count; i++)
        {
            var uid = View.Uid(i);
            while (j < target.Count && target.Uid(j) < uid)
            {
                j++;
            }
            if (j >= target.Count || target.Uid(j) != uid)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>New messages in <paramref name="target"/> that this client has not been told about.</summary>
    public bool HasNewMessages(FolderView target) => target.LastUid > View.LastUid;

    /// <summary>
    /// Moves the client to <paramref name="target"/>, writing the untagged responses. With
    /// <paramref name="allowExpunge"/> false nothing moves (RFC 3501 7.4.1 forbids EXPUNGE during
    /// FETCH, STORE and SEARCH, and sequence numbers must not shift under the client).
    /// </summary>
    public void MoveTo(FolderView target, bool allowExpunge, bool condStore, bool qresync, IBufferWriter<byte> w)
    {
        if (ReferenceEquals(target, View) || !allowExpunge || target.UidValidity != View.UidValidity)
        {
            return;
        }
        var old = View;
        AnnounceKeywords(target.FlagsInUse(), w);
        // Expunges, highest sequence number first, so each number is right when it is sent.
        var expunged = new List<int>();
        int i = 0, j = 0;
        while (i < old.Count)
        {
            var uid = old.Uid(i);
            while (j < target.Count && target.Uid(j) < uid)
            {
                j++;
            }
            if (j >= target.Count || target.Uid(j) != uid)
            {
                expunged.Add(i);
            }
            i++;
        }
        if (qresync && expunged.Count > 0)
        {
            // RFC 7162 3.2.10: one VANISHED with the UIDs instead of an EXPUNGE per message.
            ImapWire.Raw(w, "* VANISHED "u8);
            ImapWire.Text(w, SequenceSet.Format(expunged.Select(old.Uid)));
            ImapWire.Crlf(w);
        }
        for (var k = expunged.Count - 1; k >= 0; k--)
        {
            if (!qresync)
            {
                ImapWire.Raw(w, "* "u8);
                ImapWire.Number(w, expunged[k] + 1);
                ImapWire.Raw(w, " EXPUNGE\r\n"u8);
            }
            _stored?.Remove(old.Uid(expunged[k]));
        }
        var hasNew = target.LastUid > old.LastUid;
        if (hasNew)
        {
            ImapWire.Raw(w, "* "u8);
            ImapWire.Number(w, target.Count);
            ImapWire.Raw(w, " EXISTS\r\n"u8);
        }
        View = target;
        if (hasNew && !Rev2)
        {
            ImapWire.Raw(w, "* "u8);
            ImapWire.Number(w, RecentCount());
            ImapWire.Raw(w, " RECENT\r\n"u8);
        }
        // Flag changes of messages the client already knew.
        i = 0;
        for (j = 0; j < target.Count && i < old.Count; j++)
        {
            var uid = target.Uid(j);
            while (i < old.Count && old.Uid(i) < uid)
            {
                i++;
            }
            if (i >= old.Count || old.Uid(i) != uid)
            {
                continue; // new message: its flags come with the client's next FETCH
            }
            if (target.ModSeq(j) <= old.ModSeq(i) || target.SameFlags(j, old, i))
            {
                if (TryGetStored(uid, out var st) && st.ModSeq <= target.ModSeq(j))
                {
                    _stored?.Remove(uid);
                }
                continue;
            }
            if (TryGetStored(uid, out var s))
            {
                _stored?.Remove(uid);
                if (s.ModSeq >= target.ModSeq(j))
                {
                    continue; // this session stored it and reported it already
                }
            }
            WriteFlags(w, j, condStore);
        }
    }

    /// <summary>* n FETCH (UID u FLAGS (…) [MODSEQ (m)])</summary>
    public void WriteFlags(IBufferWriter<byte> w, int index, bool condStore)
    {
        ImapWire.Raw(w, "* "u8);
        ImapWire.Number(w, index + 1);
        ImapWire.Raw(w, " FETCH (UID "u8);
        ImapWire.Number(w, View.Uid(index));
        ImapWire.Raw(w, " FLAGS "u8);
        ImapWire.FlagList(w, FlagsAt(index));
        if (condStore)
        {
            ImapWire.Raw(w, " MODSEQ ("u8);
            ImapWire.Number(w, ModSeqAt(index));
            ImapWire.Raw(w, ")"u8);
        }
        ImapWire.Raw(w, ")\r\n"u8);
    }

    /// <summary>
    /// The 0-based indices a sequence set (or UID set) names, in ascending order. For sequence
    /// numbers, a number beyond the mailbox is an error; for UIDs, absent ones are skipped
    /// (RFC 3501 6.4.8).
    /// </summary>
    public List<int> Resolve(SequenceSet set, bool uid)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.IsSaved)
        {
            return Saved.IndicesIn(View); // "$" means the same messages with or without UID (RFC 5182 2.1)
        }
        var result = new List<int>();
        if (uid)
        {
            // "n:*" with n above every UID still names the last message: Resolve orders the pair.
            foreach (var (from, to) in set.Resolve(View.LastUid))
            {
                for (var k = View.LowerBound(from); k < View.Count && View.Uid(k) <= to; k++)
                {
                    result.Add(k);
                }
            }
            return result;
        }
        // A range with "*" covers up to the last message; an explicit number beyond it is an error.
        var count = View.Count;
        var clipped = new List<(long Low, long High)>(set.Ranges.Count);
        foreach (var (start, end) in set.Ranges)
        {
            var star = start == SequenceSet.Star || end == SequenceSet.Star;
            var a = start == SequenceSet.Star ? count : start;
            var b = end == SequenceSet.Star ? count : end;
            var (low, high) = a <= b ? (a, b) : (b, a);
            if (!star && high > count)
            {
                throw new ImapCommandException(ImapResult.Bad("Invalid message sequence number"));
            }
            if (high >= 1)
            {
                clipped.Add((Math.Max(1, low), Math.Min(high, count)));
            }
        }
        clipped.Sort();
        long next = 1;
        foreach (var (low, high) in clipped)
        {
            for (var k = Math.Max(low, next); k <= high; k++)
            {
                result.Add((int)k - 1);
            }
            next = Math.Max(next, high + 1);
        }
        return result;
    }
}

namespace Serverless.Mail.Index;

/// <summary>
/// A compact, immutable picture of one folder for IMAP: the UIDs in order with their flags and
/// MODSEQs, and the folder counters it is valid for. Sessions on the same folder share one
/// instance; a change produces a new instance (appends share the arrays, since an older view
/// never reads past its own count). About 16 bytes per message.
/// </summary>
public sealed class FolderView
{
    private readonly uint[] _uids;
    private readonly long[] _modSeqs;
    private readonly int[] _flagIds;

    internal FolderView(long uidValidity, long uidNext, long highestModSeq, FlagSetTable flagSets, uint[] uids, long[] modSeqs, int[] flagIds, int count)
    {
        UidValidity = uidValidity;
        UidNext = uidNext;
        HighestModSeq = highestModSeq;
        FlagSets = flagSets;
        _uids = uids;
        _modSeqs = modSeqs;
        _flagIds = flagIds;
        Count = count;
    }

    public static FolderView Empty(FolderInfo folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return new FolderView(folder.UidValidity, folder.UidNext, folder.HighestModSeq, new FlagSetTable(), [], [], [], 0);
    }

    public long UidValidity { get; }

    /// <summary>Every UID below this has been looked at (it is the folder's UIDNEXT when the view was made).</summary>
    public long UidNext { get; }

    /// <summary>The folder's HIGHESTMODSEQ this view reflects: it is current while the folder row says the same.</summary>
    public long HighestModSeq { get; }

    public int Count { get; }

    internal FlagSetTable FlagSets { get; }

    /// <summary>UID of the message at 0-based <paramref name="index"/> (sequence number - 1).</summary>
    public long Uid(int index) => _uids[CheckIndex(index)];

    public long ModSeq(int index) => _modSeqs[CheckIndex(index)];

    public IReadOnlyList<string> Flags(int index) => FlagSets.Get(_flagIds[CheckIndex(index)]);

    /// <summary>An id standing for the message's flag set: equal ids mean equal flags (within one view lineage).</summary>
    public int FlagSetId(int index) => _flagIds[CheckIndex(index)];

    public bool HasFlag(int index, string flag) => FlagSets.Has(_flagIds[CheckIndex(index)], flag);

    /// <summary>True if message <paramref name="index"/> here has the same flags as <paramref name="otherIndex"/> in <paramref name="other"/>.</summary>
    public bool SameFlags(int index, FolderView other, int otherIndex)
    {
        ArgumentNullException.ThrowIfNull(other);
        var a = _flagIds[CheckIndex(index)];
        var b = other._flagIds[other.CheckIndex(otherIndex)];
        if (ReferenceEquals(FlagSets, other.FlagSets))
        {
            return a == b;
        }
        var x = FlagSets.Get(a);
        var y = other.FlagSets.Get(b);
        return x.Count == y.Count && x.All(f => y.Contains(f, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>0-based index of <paramref name="uid"/>, or -1.</summary>
    public int IndexOf(long uid)
    {
        if (uid is <= 0 or > uint.MaxValue)
        {
            return -1;
        }
        var i = Array.BinarySearch(_uids, 0, Count, (uint)uid);
        return i >= 0 ? i : -1;
    }

    /// <summary>The first index whose UID is at least <paramref name="uid"/> (Count if none).</summary>
    public int LowerBound(long uid)
    {
        if (uid <= 0)
        {
            return 0;
        }
        if (uid > uint.MaxValue)
        {
            return Count;
        }
        var i = Array.BinarySearch(_uids, 0, Count, (uint)uid);
        return i >= 0 ? i : ~i;
    }

    public long LastUid => Count == 0 ? 0 : _uids[Count - 1];

    /// <summary>Every flag and keyword used by some message.</summary>
    public IReadOnlyCollection<string> FlagsInUse()
    {
        var ids = new HashSet<int>();
        for (var i = 0; i < Count; i++)
        {
            ids.Add(_flagIds[i]);
        }
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in ids)
        {
            result.UnionWith(FlagSets.Get(id));
        }
        return result;
    }

    public int CountWithout(string flag)
    {
        var n = 0;
        for (var i = 0; i < Count; i++)
        {
            if (!FlagSets.Has(_flagIds[i], flag))
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>Index of the first message without <paramref name="flag"/>, or -1.</summary>
    public int FirstWithout(string flag)
    {
        for (var i = 0; i < Count; i++)
        {
            if (!FlagSets.Has(_flagIds[i], flag))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// A view with <paramref name="changes"/> (flag changes, expunges) and <paramref name="added"/>
    /// (messages at or above this view's UIDNEXT) applied, valid for <paramref name="folder"/>'s
    /// counters. Replaying something already applied changes nothing: an entry only wins over
    /// what the view holds if its MODSEQ is higher.
    /// </summary>
    public FolderView Apply(IReadOnlyList<FolderChange> changes, IReadOnlyList<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> added, long uidNext, long highestModSeq)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(added);
        var expunged = new HashSet<long>();
        var flagChanges = new Dictionary<long, FolderChange>();
        foreach (var c in changes)
        {
            if (c.Kind == FolderChangeKind.Expunge)
            {
                expunged.Add(c.Uid);
                flagChanges.Remove(c.Uid);
            }
            else if (!expunged.Contains(c.Uid) && (!flagChanges.TryGetValue(c.Uid, out var prev) || prev.ModSeq < c.ModSeq))
            {
                flagChanges[c.Uid] = c;
            }
        }
        var newOnes = added.Where(a => !expunged.Contains(a.Uid) && a.Uid > LastUid).OrderBy(a => a.Uid).ToList();
        var touchesExisting = expunged.Any(u => IndexOf(u) >= 0) || flagChanges.Keys.Any(u => IndexOf(u) >= 0)
            || added.Any(a => a.Uid <= LastUid && IndexOf(a.Uid) >= 0);
        var nextUid = Math.Max(UidNext, uidNext);
        var nextModSeq = Math.Max(HighestModSeq, highestModSeq);
        if (!touchesExisting)
        {
            if (newOnes.Count == 0)
            {
                return nextUid == UidNext && nextModSeq == HighestModSeq ? this
                    : new FolderView(UidValidity, nextUid, nextModSeq, FlagSets, _uids, _modSeqs, _flagIds, Count);
            }
            // Appends only: share the arrays when there is room past our count that nobody uses yet.
            return Append(newOnes, nextUid, nextModSeq);
        }

        var capacity = Count + newOnes.Count;
        var uids = new uint[capacity];
        var modSeqs = new long[capacity];
        var flagIds = new int[capacity];
        var n = 0;
        var addedByUid = added.Where(a => a.Uid <= LastUid).ToDictionary(a => a.Uid);
        for (var i = 0; i < Count; i++)
        {
            var uid = _uids[i];
            if (expunged.Contains(uid))
            {
                continue;
            }
            var modSeq = _modSeqs[i];
            var flagId = _flagIds[i];
            if (flagChanges.TryGetValue(uid, out var fc) && fc.ModSeq > modSeq)
            {
                modSeq = fc.ModSeq;
                flagId = FlagSets.Intern(fc.Flags ?? []);
            }
            if (addedByUid.TryGetValue(uid, out var a) && a.ModSeq > modSeq)
            {
                modSeq = a.ModSeq;
                flagId = FlagSets.Intern(a.Flags);
            }
            uids[n] = uid;
            modSeqs[n] = modSeq;
            flagIds[n] = flagId;
            n++;
        }
        foreach (var a in newOnes)
        {
            var modSeq = a.ModSeq;
            var flags = a.Flags;
            if (flagChanges.TryGetValue(a.Uid, out var fc) && fc.ModSeq > modSeq)
            {
                modSeq = fc.ModSeq;
                flags = fc.Flags ?? [];
            }
            uids[n] = (uint)a.Uid;
            modSeqs[n] = modSeq;
            flagIds[n] = FlagSets.Intern(flags);
            n++;
        }
        return new FolderView(UidValidity, nextUid, nextModSeq, FlagSets, uids, modSeqs, flagIds, n);
    }

    /// <summary>
    /// This view after <paramref name="delta"/>: itself if it already reflects it, the view with the
    /// delta applied if it was current exactly where the delta starts, or null if there is a gap
    /// (a change this view has not seen, made before the delta) — then only storage can tell.
    /// </summary>
    public FolderView? Follow(FolderDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.UidValidity != UidValidity)
        {
            return null;
        }
        if (HighestModSeq >= delta.HighestModSeq && UidNext >= delta.UidNext)
        {
            return this;
        }
        if (HighestModSeq != delta.FromHighestModSeq || UidNext != delta.FromUidNext)
        {
            return null;
        }
        return Apply(delta.Changes, delta.Added, delta.UidNext, delta.HighestModSeq);
    }

    private readonly object _appendGate = new();
    private int _claimedCount = -1;

    private FolderView Append(List<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> newOnes, long uidNext, long highestModSeq)
    {
        uint[] uids = _uids;
        long[] modSeqs = _modSeqs;
        int[] flagIds = _flagIds;
        var needed = Count + newOnes.Count;
        bool share;
        lock (_appendGate)
        {
            // Only the first successor may write past Count into the shared arrays.
            share = _claimedCount < 0 && needed <= _uids.Length;
            if (share)
            {
                _claimedCount = needed;
            }
        }
        if (!share)
        {
            var capacity = Math.Max(needed, Math.Min(needed * 2, needed + 4096));
            uids = new uint[capacity];
            modSeqs = new long[capacity];
            flagIds = new int[capacity];
            Array.Copy(_uids, uids, Count);
            Array.Copy(_modSeqs, modSeqs, Count);
            Array.Copy(_flagIds, flagIds, Count);
        }
        var n = Count;
        foreach (var a in newOnes)
        {
            uids[n] = (uint)a.Uid;
            modSeqs[n] = a.ModSeq;
            flagIds[n] = FlagSets.Intern(a.Flags);
            n++;
        }
        return new FolderView(UidValidity, uidNext, highestModSeq, FlagSets, uids, modSeqs, flagIds, n);
    }

    /// <summary>Builds a view from messages listed in UID order.</summary>
    public static FolderView FromMessages(FolderInfo folder, IReadOnlyList<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> messages)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(messages);
        var sets = new FlagSetTable();
        var n = messages.Count;
        var uids = new uint[n];
        var modSeqs = new long[n];
        var flagIds = new int[n];
        for (var i = 0; i < n; i++)
        {
            uids[i] = (uint)messages[i].Uid;
            modSeqs[i] = messages[i].ModSeq;
            flagIds[i] = sets.Intern(messages[i].Flags);
        }
        return new FolderView(folder.UidValidity, folder.UidNext, folder.HighestModSeq, sets, uids, modSeqs, flagIds, n);
    }

    internal ReadOnlySpan<uint> UidSpan => _uids.AsSpan(0, Count);

    internal ReadOnlySpan<long> ModSeqSpan => _modSeqs.AsSpan(0, Count);

    internal ReadOnlySpan<int> FlagIdSpan => _flagIds.AsSpan(0, Count);

    private int CheckIndex(int index) => (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index));
}

/// <summary>
/// Distinct flag sets of one folder's views, interned so each message costs an int. Append-only
/// and shared by successive views of the folder.
/// </summary>
internal sealed class FlagSetTable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string[]> _sets = [];

    public FlagSetTable()
    {
        Intern([]);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sets.Count;
            }
        }
    }

    public int Intern(IReadOnlyList<string> flags)
    {
        var sorted = flags.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        var key = string.Join('\u0001', sorted.Select(f => f.ToUpperInvariant()));
        lock (_gate)
        {
            if (!_ids.TryGetValue(key, out var id))
            {
                id = _sets.Count;
                _sets.Add(sorted);
                _ids[key] = id;
            }
            return id;
        }
    }

    public IReadOnlyList<string> Get(int id)
    {
        lock (_gate)
        {
            return _sets[id];
        }
    }

    public bool Has(int id, string flag)
    {
        var set = Get(id);
        foreach (var f in set)
        {
            if (string.Equals(f, flag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}

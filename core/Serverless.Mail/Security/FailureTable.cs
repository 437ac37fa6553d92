namespace Serverless.Mail.Security;

/// <summary>
/// Failed (or reserved) login attempts per key within a sliding window, in a table of bounded size.
/// Entries expire one by one, oldest first, through a time-ordered queue (amortised O(1) per call).
/// A full table never drops a live entry to make room: a key it has no room for is reported as
/// over its limit until old entries expire, so a flood of made-up names cannot reset anyone's count.
/// </summary>
internal sealed class FailureTable(int capacity, TimeSpan window, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, List<(long Id, DateTimeOffset At)>> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTimeOffset At)> _byAge = new();
    private long _nextId;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                Sweep();
                return _entries.Count;
            }
        }
    }

    /// <summary>Records one attempt for <paramref name="key"/> if it has fewer than <paramref name="limit"/> in the window and the table has room; returns its id, or null (over the limit, or no room).</summary>
    public long? TryAdd(string key, int limit)
    {
        lock (_gate)
        {
            Sweep();
            if (!_entries.TryGetValue(key, out var list))
            {
                if (_entries.Count >= capacity || limit <= 0)
                {
                    return null;
                }
                list = [];
                _entries[key] = list;
            }
            Trim(list);
            if (list.Count >= limit)
            {
                return null;
            }
            var now = time.GetUtcNow();
            var id = ++_nextId;
            list.Add((id, now));
            _byAge.Enqueue((key, now));
            return id;
        }
    }

    /// <summary>Gives back one attempt recorded by <see cref="TryAdd"/> (the login succeeded).</summary>
    public void Remove(string key, long id)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var list))
            {
                list.RemoveAll(f => f.Id == id);
                if (list.Count == 0)
                {
                    _entries.Remove(key);
                }
            }
        }
    }

    /// <summary>True if one more attempt for <paramref name="key"/> would be taken now.</summary>
    public bool HasRoom(string key, int limit)
    {
        lock (_gate)
        {
            Sweep();
            if (!_entries.TryGetValue(key, out var list))
            {
                return _entries.Count < capacity && limit > 0;
            }
            Trim(list);
            return list.Count < limit;
        }
    }

    /// <summary>When the oldest attempt in the window for <paramref name="key"/> was made; null if none.</summary>
    public DateTimeOffset? Oldest(string key)
    {
        lock (_gate)
        {
            Sweep();
            if (!_entries.TryGetValue(key, out var list))
            {
                return null;
            }
            Trim(list);
            return list.Count == 0 ? null : list[0].At;
        }
    }

    private DateTimeOffset Cutoff => time.GetUtcNow() - window;

    private void Trim(List<(long Id, DateTimeOffset At)> list)
    {
        var cutoff = Cutoff;
        var expired = 0;
        while (expired < list.Count && list[expired].At < cutoff)
        {
            expired++;
        }
        list.RemoveRange(0, expired);
    }

    /// <summary>Drops entries whose newest attempt has left the window, oldest first.</summary>
    private void Sweep()
    {
        var cutoff = Cutoff;
        while (_byAge.Count > 0 && _byAge.Peek().At < cutoff)
        {
            var (key, _) = _byAge.Dequeue();
            if (_entries.TryGetValue(key, out var list))
            {
                Trim(list);
                if (list.Count == 0)
                {
                    _entries.Remove(key);
                }
            }
        }
    }
}

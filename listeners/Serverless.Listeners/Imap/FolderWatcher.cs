using System.Diagnostics;
using Serverless.Mail.Index;

namespace Serverless.Listeners.Imap;

/// <summary>
/// The latest known state of one folder, shared by every session of this process that has it
/// selected. It checks storage with one point read of the folder row (HIGHESTMODSEQ) and, only
/// when that moved, reads the change log and the new UIDs (<see cref="MailboxIndex.RefreshFolderViewAsync"/>).
/// A write through this process's <see cref="MailboxIndex"/> reports exactly what it did
/// (<see cref="FolderDelta"/>); when the view was current where that write started, the watcher
/// applies it instead of reading back what was just written, and otherwise reads storage as for
/// any change made elsewhere. Concurrent callers share one check. While sessions IDLE on it, a
/// write in this process or a change feed notice (<see cref="FolderWatchers"/>) wakes it at once,
/// and it polls at <see cref="ImapOptions.IdlePollInterval"/> for what the feed may have lost.
/// </summary>
internal sealed class FolderWatcher : IDisposable
{
    private readonly MailboxIndex _index;
    private readonly ImapOptions _options;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private const int MaxObserved = 256;
    private readonly List<(FolderDelta Delta, long At)> _observed = [];
    private long _checkedAt; // Stopwatch timestamp: precise, so "checked after I started" means just that
    private volatile bool _stale = true;
    private volatile bool _hasObserved;
    private int _idlers;
    private Task? _pollLoop;

    public FolderWatcher(string mailboxId, int folderId, MailboxIndex index, ImapOptions options)
    {
        MailboxId = mailboxId;
        FolderId = folderId;
        _index = index;
        _options = options;
    }

    public string MailboxId { get; }

    public void Dispose() => _refresh.Dispose();

    public int FolderId { get; }

    /// <summary>Sessions holding this watcher (registry bookkeeping).</summary>
    internal int References;

    internal long ReleasedAt;

    public FolderView? View { get; private set; }

    /// <summary>The folder row as last read.</summary>
    public FolderInfo? Folder { get; private set; }

    /// <summary>True once the folder was found deleted.</summary>
    public bool Deleted { get; private set; }

    /// <summary>Completes when <see cref="View"/> changes (or the folder is deleted).</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Something in this process wrote to the folder: the next check must read storage.</summary>
    public void MarkStale()
    {
        _stale = true;
        lock (_gate)
        {
            _wake.TrySetResult();
        }
    }

    /// <summary>
    /// A write in this process changed the folder: <paramref name="delta"/> is what it did, or null
    /// if that is not known exactly. Applied by the next check (under the refresh lock, so it never
    /// races a read in flight); quick, since writers call it while holding their mailbox's lane.
    /// </summary>
    public void Observe(FolderDelta? delta)
    {
        if (delta is null)
        {
            MarkStale();
            return;
        }
        lock (_gate)
        {
            if (_observed.Count >= MaxObserved)
            {
                _observed.Clear(); // nobody is checking: reading storage once is cheaper than keeping them all
                _hasObserved = false;
                _stale = true;
            }
            else
            {
                _observed.Add((delta, Stopwatch.GetTimestamp()));
                _hasObserved = true;
            }
            _wake.TrySetResult();
        }
    }

    /// <summary>
    /// The current view. Reads storage when <paramref name="force"/> is set, when a change in this
    /// process could not be applied, or when the last check is older than <paramref name="maxAge"/>.
    /// A write of this process that was applied counts as a check at the moment it committed: its
    /// ETag-guarded transaction proved the folder was as the view says, then became what it says now.
    /// <paramref name="knownFolder"/> is a folder row the caller has just read (SELECT), saving a read.
    /// </summary>
    public async Task<FolderView?> GetCurrentAsync(bool force, TimeSpan maxAge, FolderInfo? knownFolder = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        if (!force && !_stale && !_hasObserved && View is not null && Younger(Interlocked.Read(ref _checkedAt), maxAge))
        {
            return View;
        }
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        var before = View;
        try
        {
            ApplyObserved();
            var checkedAt = Interlocked.Read(ref _checkedAt);
            // Current enough without a read: this process's own writes brought it up to date, or
            // another caller checked while we waited (its answer is as fresh as ours would be).
            if (View is not null && !_stale && ((!force && Younger(checkedAt, maxAge)) || checkedAt >= started))
            {
                return View;
            }
            _stale = false;
            var folder = knownFolder ?? await _index.GetFolderAsync(MailboxId, FolderId, cancellationToken).ConfigureAwait(false);
            if (folder is null)
            {
                Deleted = true;
                Signal();
                return null;
            }
            var view = View is null
                ? await _index.LoadFolderViewAsync(MailboxId, folder, cancellationToken).ConfigureAwait(false)
                : await _index.RefreshFolderViewAsync(MailboxId, View, folder, cancellationToken).ConfigureAwait(false);
            if (Folder is null || folder.HighestModSeq >= Folder.HighestModSeq)
            {
                Folder = folder; // never step back to an older row a caller happened to pass
            }
            View = view;
            Interlocked.Exchange(ref _checkedAt, Stopwatch.GetTimestamp());
            ApplyObserved(); // writes reported while we read: those the read saw are dropped, the rest follow on
            return View;
        }
        catch
        {
            _stale = true;
            throw;
        }
        finally
        {
            if (!ReferenceEquals(before, View) && before is not null && View is not null)
            {
                Signal();
            }
            _refresh.Release();
        }
    }

    /// <summary>
    /// The view if it is current without a read — checked (or brought up to date by this process's
    /// applied writes) within <paramref name="maxAge"/> and not marked stale — else null. Never
    /// waits for storage: while another caller is reading, the answer is null.
    /// </summary>
    public FolderView? TryCurrent(TimeSpan maxAge)
    {
        if (Deleted || !_refresh.Wait(0))
        {
            return null;
        }
        var before = View;
        try
        {
            ApplyObserved();
            return View is not null && !_stale && Younger(Interlocked.Read(ref _checkedAt), maxAge) ? View : null;
        }
        finally
        {
            if (!ReferenceEquals(before, View) && before is not null && View is not null)
            {
                Signal();
            }
            _refresh.Release();
        }
    }

    /// <summary>Between three quarters and five quarters of the interval, so folders that began idling together do not poll together.</summary>
    private static TimeSpan Jittered(TimeSpan interval) => interval * (0.75 + (Random.Shared.NextDouble() / 2));

    private static bool Younger(long checkedAt, TimeSpan maxAge) =>
        Stopwatch.GetTimestamp() - checkedAt < maxAge.TotalSeconds * Stopwatch.Frequency;

    /// <summary>
    /// Applies the writes this process reported, in the order they follow each other. One that does
    /// not follow on from the view (someone else wrote in between) makes the view stale instead.
    /// Only called under the refresh lock.
    /// </summary>
    private void ApplyObserved()
    {
        List<(FolderDelta Delta, long At)> observed;
        lock (_gate)
        {
            if (_observed.Count == 0)
            {
                _hasObserved = false;
                return;
            }
            observed = [.. _observed];
            _observed.Clear();
            _hasObserved = false;
        }
        if (View is null)
        {
            return; // nothing to bring up to date: the first check lists the folder anyway
        }
        foreach (var (delta, at) in observed.OrderBy(o => o.Delta.FromHighestModSeq))
        {
            var next = View.Follow(delta);
            if (next is null)
            {
                _stale = true;
                return;
            }
            if (!ReferenceEquals(next, View))
            {
                View = next;
                if (at > Interlocked.Read(ref _checkedAt))
                {
                    Interlocked.Exchange(ref _checkedAt, at);
                }
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            done = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    /// <summary>A session starts IDLE: poll while anyone idles.</summary>
    public void BeginIdle()
    {
        lock (_gate)
        {
            _idlers++;
            if (_pollLoop is null || _pollLoop.IsCompleted)
            {
                _pollLoop = Task.Run(PollAsync);
            }
        }
    }

    public void EndIdle()
    {
        lock (_gate)
        {
            _idlers--;
            _wake.TrySetResult();
        }
    }

    private async Task PollAsync()
    {
        while (true)
        {
            Task wake;
            lock (_gate)
            {
                if (_idlers <= 0)
                {
                    _pollLoop = null;
                    return;
                }
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                wake = _wake.Task;
            }
            if (!_stale)
            {
                await Task.WhenAny(wake, Task.Delay(Jittered(_options.IdlePollInterval))).ConfigureAwait(false);
            }
            // Woken by a write in this process: apply it (reading storage only if it does not follow
            // on); by a change feed notice (marked stale): read the folder; at the end of an
            // interval: read the folder row for changes the feed may have lost.
            var woken = wake.IsCompleted;
            lock (_gate)
            {
                if (_idlers <= 0)
                {
                    _pollLoop = null;
                    return;
                }
            }
            try
            {
                await GetCurrentAsync(force: !woken, woken ? _options.IdlePollInterval : TimeSpan.Zero).ConfigureAwait(false);
                if (Deleted)
                {
                    lock (_gate)
                    {
                        _pollLoop = null;
                    }
                    return;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Storage trouble: try again at the next interval; sessions keep what they have.
                await Task.Delay(_options.IdlePollInterval).ConfigureAwait(false);
            }
        }
    }
}

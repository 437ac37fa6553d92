using Serverless.Mail.Index;

namespace Serverless.Listeners.Imap;

/// <summary>
/// The latest known state of one folder, shared by every session of this process that has it
/// selected. It checks storage with one point read of the folder row (HIGHESTMODSEQ) and, only
/// when that moved, reads the change log and the new UIDs (<see cref="MailboxIndex.RefreshFolderViewAsync"/>).
/// Concurrent callers share one check. While sessions IDLE on it, it polls at
/// <see cref="ImapOptions.IdlePollInterval"/>, and a write through this process's
/// <see cref="MailboxIndex"/> wakes it at once.
/// </summary>
internal sealed class FolderWatcher : IDisposable
{
    private readonly MailboxIndex _index;
    private readonly ImapOptions _options;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _checkedAt = long.MinValue;
    private volatile bool _stale = true;
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
    /// The current view. Reads storage when <paramref name="force"/> is set, when this process
    /// changed the folder, or when the last check is older than <paramref name="maxAge"/>.
    /// <paramref name="knownFolder"/> is a folder row the caller has just read (SELECT), saving a read.
    /// </summary>
    public async Task<FolderView?> GetCurrentAsync(bool force, TimeSpan maxAge, FolderInfo? knownFolder = null, CancellationToken cancellationToken = default)
    {
        var started = Environment.TickCount64;
        if (!force && !_stale && View is not null && started - Interlocked.Read(ref _checkedAt) < maxAge.TotalMilliseconds)
        {
            return View;
        }
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller checked while we waited: its answer is as fresh as ours would be.
            if (View is not null && !_stale && Interlocked.Read(ref _checkedAt) >= started)
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
            var before = View;
            var view = View is null
                ? await _index.LoadFolderViewAsync(MailboxId, folder, cancellationToken).ConfigureAwait(false)
                : await _index.RefreshFolderViewAsync(MailboxId, View, folder, cancellationToken).ConfigureAwait(false);
            if (Folder is null || folder.HighestModSeq >= Folder.HighestModSeq)
            {
                Folder = folder; // never step back to an older row a caller happened to pass
            }
            View = view;
            Interlocked.Exchange(ref _checkedAt, Environment.TickCount64);
            if (!ReferenceEquals(before, view) && before is not null)
            {
                Signal();
            }
            return view;
        }
        catch
        {
            _stale = true;
            throw;
        }
        finally
        {
            _refresh.Release();
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
                await Task.WhenAny(wake, Task.Delay(_options.IdlePollInterval)).ConfigureAwait(false);
            }
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
                await GetCurrentAsync(force: true, TimeSpan.Zero).ConfigureAwait(false);
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

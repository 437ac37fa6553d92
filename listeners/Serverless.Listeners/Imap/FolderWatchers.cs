using System.Collections.Concurrent;
using Serverless.Listeners.Caching;
using Serverless.Mail.Feed;
using Serverless.Mail.Index;

namespace Serverless.Listeners.Imap;

/// <summary>
/// One <see cref="FolderWatcher"/> per (mailbox, folder) in this process, shared by the sessions
/// that have the folder selected. Listens to <see cref="MailboxIndex.FolderWritten"/> so a write
/// made in this process (this or another session, or the ingest in the local dev host) wakes them
/// at once and, when the write says exactly what it did, updates their view without a storage read.
/// A released watcher is kept a while, so re-selecting a folder reuses its view — at most
/// <see cref="KeepReleased"/>, and only while the process's cache budget allows: its view counts
/// against <see cref="MessageCache"/> like any other cached data and goes when pushed out.
/// Writes made in other processes (the ingest in the Function App, another listener replica)
/// arrive through the process's one <see cref="ChangeFeedReader"/>: a watcher whose view is behind
/// the notice is marked stale, which wakes its IDLE sessions and makes the next command of any
/// session read the folder instead of reusing a recent check — so flags and expunges made on
/// another replica reach this one's views (and what <see cref="MessageRows"/> serves from the
/// cache) within the feed's interval. <see cref="FolderChanged"/> is the one place anything else
/// in the process (NOTIFY) hears of both kinds of change; <see cref="FolderListChanged"/> the same
/// for folders created, renamed or deleted and subscriptions changed, here or in another process.
/// </summary>
internal sealed class FolderWatchers
{
    private const int SweepAbove = 4096;
    private static readonly TimeSpan KeepReleased = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(string, int), FolderWatcher> _watchers = new();
    private readonly ConcurrentDictionary<(string MailboxId, string Name), int> _folderIds = new();
    private readonly MailboxIndex _index;
    private readonly ImapOptions _options;
    private readonly MessageCache _cache;
    private readonly ConcurrentDictionary<string, (FolderListing Listing, long At)> _listings = new();
    private long _listGeneration;

    public FolderWatchers(MailboxIndex index, ImapOptions options, MessageCache cache, ChangeFeedReader? feed = null)
    {
        _index = index;
        _options = options;
        _cache = cache;
        index.FolderWritten += OnFolderWritten;
        index.FolderListChanged += OnFolderListChanged;
        if (feed is not null)
        {
            feed.Changed += OnFeedNotice;
            feed.Wanted = () => !_watchers.IsEmpty || !_listings.IsEmpty || FolderChanged is not null || FolderListChanged is not null || FolderListChangedElsewhere is not null;
            FeedFollowed = feed.Following;
        }
    }

    /// <summary>
    /// The change feed tells this process of other processes' changes (within its poll interval), so
    /// a folder view or folder list checked within <see cref="ImapOptions.CommandCheckInterval"/> may
    /// answer SELECT, STATUS and LIST without a read. Without the feed they read storage, as before.
    /// </summary>
    public bool FeedFollowed { get; }

    /// <summary>
    /// A folder's row and view as this process knows them, when a watcher has a view current within
    /// the command check interval (no read, no wait) and the feed is followed; else null. The row's
    /// counters may be older than the view (this process's writes move the view only): take counts
    /// from the view. SELECT and STATUS answer from it.
    /// </summary>
    public (FolderInfo Folder, FolderView View)? TryWarm(string mailboxId, string name)
    {
        if (!FeedFollowed || KnownFolderId(mailboxId, name) is not int id || !_watchers.TryGetValue((mailboxId, id), out var watcher))
        {
            return null;
        }
        var view = watcher.TryCurrent(_options.CommandCheckInterval);
        return view is not null && watcher.Folder is { } folder && folder.Name == name ? (folder, view) : null;
    }

    /// <summary>
    /// The mailbox's folders and kept subscriptions for LIST: remembered for the command check
    /// interval when the feed is followed (folders created, renamed, deleted or (un)subscribed here or,
    /// through the feed, elsewhere drop it at once), else one range query each time. The counters in
    /// it are as read: callers that report them (LIST-STATUS) read the folder list themselves.
    /// </summary>
    public async Task<FolderListing> ListFoldersAsync(string mailboxId, CancellationToken cancellationToken)
    {
        if (FeedFollowed && _listings.TryGetValue(mailboxId, out var kept)
            && Environment.TickCount64 - kept.At < _options.CommandCheckInterval.TotalMilliseconds)
        {
            return kept.Listing;
        }
        var generation = Interlocked.Read(ref _listGeneration);
        var at = Environment.TickCount64;
        var listing = await _index.ListFoldersAndSubscriptionsAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if (FeedFollowed)
        {
            if (_listings.Count > SweepAbove)
            {
                _listings.Clear();
            }
            _listings[mailboxId] = (listing, at);
            // A change to any folder list while the query ran may not be in it: do not keep it.
            if (Interlocked.Read(ref _listGeneration) != generation)
            {
                _listings.TryRemove(mailboxId, out _);
            }
        }
        return listing;
    }

    /// <summary>
    /// A folder's messages changed — written by this process (raised after the write committed) or
    /// by another (raised when the change feed reports it). Mailbox id and folder id; handlers must
    /// be quick and must not throw.
    /// </summary>
    public event Action<string, int>? FolderChanged;

    /// <summary>
    /// A mailbox's folder list (<see cref="NoticeKind.Folders"/>: a folder created, renamed or
    /// deleted) or subscriptions changed — by this process or, through the change feed, another.
    /// Mailbox id, the folder concerned (0: several, e.g. a renamed subtree) and the kind; handlers
    /// must be quick and must not throw. NOTIFY's MailboxName and SubscriptionChange events hang here.
    /// </summary>
    public event Action<string, int, NoticeKind>? FolderListChanged;

    /// <summary>
    /// <see cref="FolderListChanged"/> for changes made by another process only (read from the change
    /// feed): NOTIFY tells this process's own changes from the commands that make them, and learns
    /// the names behind another's by reading the list (<see cref="Notify.FolderListTracker"/>).
    /// </summary>
    public event Action<string, int, NoticeKind>? FolderListChangedElsewhere;

    /// <summary>\Recent claims made by sessions of this process while they had a folder selected.</summary>
    public RecentClaims Recent { get; } = new();

    /// <summary>Watchers kept now, held by sessions or not.</summary>
    internal int Count => _watchers.Count;

    public FolderWatcher Acquire(string mailboxId, int folderId)
    {
        if (_watchers.Count > SweepAbove)
        {
            Sweep();
        }
        while (true)
        {
            var watcher = _watchers.GetOrAdd((mailboxId, folderId), k => new FolderWatcher(k.Item1, k.Item2, _index, _options));
            lock (watcher)
            {
                if (watcher.References >= 0)
                {
                    if (watcher.References++ == 0)
                    {
                        _cache.Release(watcher); // held by a session again: no longer the cache's to drop
                    }
                    return watcher;
                }
            }
            // Swept concurrently: make a new one.
        }
    }

    public void Release(FolderWatcher watcher)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        lock (watcher)
        {
            watcher.References--;
            if (watcher.References == 0)
            {
                watcher.ReleasedAt = Environment.TickCount64;
                // About 16 bytes a message (UID, MODSEQ, flag set) plus the watcher itself.
                _cache.Hold(watcher, 1024 + (16L * (watcher.View?.Count ?? 0)), KeepReleased, () => Drop(watcher));
            }
        }
        if (watcher.Deleted)
        {
            _watchers.TryRemove(new KeyValuePair<(string, int), FolderWatcher>((watcher.MailboxId, watcher.FolderId), watcher));
        }
    }

    /// <summary>A remembered folder id for a name (validated by the caller against the folder row).</summary>
    public int? KnownFolderId(string mailboxId, string name) =>
        name == "INBOX" ? SpecialUse.InboxId : _folderIds.TryGetValue((mailboxId, name), out var id) ? id : null;

    public void RememberFolderId(string mailboxId, string name, int folderId)
    {
        if (_folderIds.Count > 100_000)
        {
            _folderIds.Clear();
        }
        _folderIds[(mailboxId, name)] = folderId;
    }

    public void ForgetFolderId(string mailboxId, string name) => _folderIds.TryRemove((mailboxId, name), out _);

    private void OnFolderWritten(string mailboxId, int folderId, FolderDelta? delta)
    {
        if (_watchers.TryGetValue((mailboxId, folderId), out var watcher))
        {
            watcher.Observe(delta);
        }
        FolderChanged?.Invoke(mailboxId, folderId);
    }

    /// <summary>Another process changed a folder: a watcher that has not seen as much reads it again (IDLE at once, others at their next command).</summary>
    internal void OnFeedNotice(FolderChangeNotice notice)
    {
        if (notice.Kind != NoticeKind.Messages)
        {
            OnFolderListChanged(notice.MailboxId, notice.FolderId, notice.Kind);
            FolderListChangedElsewhere?.Invoke(notice.MailboxId, notice.FolderId, notice.Kind);
            return;
        }
        if (_watchers.TryGetValue((notice.MailboxId, notice.FolderId), out var watcher))
        {
            var view = watcher.View;
            var seen = notice.HighestModSeq > 0 && view is not null && view.HighestModSeq >= notice.HighestModSeq && view.UidNext >= notice.UidNext;
            if (!seen)
            {
                watcher.MarkStale();
            }
        }
        FolderChanged?.Invoke(notice.MailboxId, notice.FolderId);
    }

    private void OnFolderListChanged(string mailboxId, int folderId, NoticeKind kind)
    {
        Interlocked.Increment(ref _listGeneration);
        _listings.TryRemove(mailboxId, out _);
        if (kind == NoticeKind.Folders)
        {
            // A renamed or deleted folder's row says so only when read: SELECT and STATUS must not
            // answer from a view whose name may be gone.
            foreach (var (key, watcher) in _watchers)
            {
                if (key.Item1 == mailboxId)
                {
                    watcher.MarkStale();
                }
            }
            // Names may point elsewhere now: look them up again (each remembered id is checked against its row anyway).
            foreach (var key in _folderIds.Keys.Where(k => k.MailboxId == mailboxId))
            {
                _folderIds.TryRemove(key, out _);
            }
        }
        FolderListChanged?.Invoke(mailboxId, folderId, kind);
    }

    /// <summary>Forgets a watcher no session holds (pushed out of the cache budget, or kept long enough).</summary>
    private void Drop(FolderWatcher watcher)
    {
        lock (watcher)
        {
            if (watcher.References != 0)
            {
                return; // selected again meanwhile
            }
            watcher.References = -1; // dead: Acquire will not revive it
        }
        if (_watchers.TryRemove(new KeyValuePair<(string, int), FolderWatcher>((watcher.MailboxId, watcher.FolderId), watcher)))
        {
            watcher.Dispose();
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (key, watcher) in _watchers)
        {
            lock (watcher)
            {
                if (watcher.References == 0 && now - watcher.ReleasedAt > KeepReleased.TotalMilliseconds)
                {
                    watcher.References = -1; // dead: Acquire will not revive it
                    if (_watchers.TryRemove(new KeyValuePair<(string, int), FolderWatcher>(key, watcher)))
                    {
                        watcher.Dispose();
                    }
                }
            }
        }
    }
}

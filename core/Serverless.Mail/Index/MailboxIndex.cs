using Microsoft.Extensions.Logging;
using Serverless.Mail.Feed;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>
/// The mailbox index in Table storage: folders with their IMAP counters, and one row per message.
/// Every mutation is one entity-group transaction in the mailbox's partition, guarded by the
/// counter rows' ETags (<see cref="ETagRetry"/>), so UIDs are unique and gap-free however many
/// processes write. This is the front the listeners, the ingest and the functions use; the work is
/// done by one class per role: <see cref="FolderCatalog"/>, <see cref="FolderRenamer"/>,
/// <see cref="MessageAppender"/>, <see cref="ChangeLog"/>, <see cref="MessageCopier"/>,
/// <see cref="MessageMover"/>, <see cref="FolderViews"/> and <see cref="MailboxPurge"/>.
/// </summary>
public sealed class MailboxIndex
{
    public const long MaxUid = 9_999_999_999;

    private readonly IndexTable _index;
    private readonly FolderCatalog _folders;
    private readonly FolderRenamer _renamer;
    private readonly MessageAppender _appender;
    private readonly ChangeLog _changes;
    private readonly MessageCopier _copier;
    private readonly MessageMover _mover;
    private readonly FolderViews _views;
    private readonly MailboxPurge _purge;
    private readonly IndexPruning _pruning;

    /// <param name="feed">Where this instance's writes are published for other processes (the change feed); null: nowhere.</param>
    public MailboxIndex(MailStorage storage, BlobHolders holders, ILogger<MailboxIndex> logger, IndexOptions? options = null, Feed.ChangeFeedWriter? feed = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _index = new IndexTable(storage.MailIndex, holders, logger, feed) { ChangeLogPageSize = Math.Max(1, (options ?? new()).ChangeLogPageSize) };
        InlineMessageBytes = (options ?? new()).EffectiveInlineMessageBytes();
        _folders = new FolderCatalog(_index);
        _appender = new MessageAppender(_index);
        _changes = new ChangeLog(_index);
        _views = new FolderViews(_index, _changes);
        _copier = new MessageCopier(_index, _folders, _changes);
        _mover = new MessageMover(_index, _folders, _changes, _copier);
        _renamer = new FolderRenamer(_index, _folders, _views, _mover);
        _purge = new MailboxPurge(_index, _changes, _views);
        _pruning = new IndexPruning(_index);
    }

    /// <summary>
    /// An IMAP-appended message of at most this many bytes is kept in its row, with no blob
    /// (<see cref="IndexOptions.InlineMessageBytes"/>, within what a row can carry; 0: never).
    /// </summary>
    public int InlineMessageBytes { get; }

    /// <summary>
    /// Raised after this instance changed a folder's messages (append, flags, expunge, copy, move,
    /// delete) with the mailbox id and folder id. IMAP sessions in the same process use it to wake
    /// at once instead of waiting for their next poll of the folder row; other processes learn of
    /// it through the change feed (<see cref="Feed.ChangeFeedWriter"/>) and, whatever the feed
    /// loses, through the folder's HIGHESTMODSEQ. Handlers must be quick and must not throw.
    /// </summary>
    public event Action<string, int>? FolderChanged
    {
        add => _index.Signals.Changed += value;
        remove => _index.Signals.Changed -= value;
    }

    /// <summary>
    /// Raised with <see cref="FolderChanged"/>, carrying what the write did when it is known exactly
    /// (null otherwise, e.g. a deleted folder). An event rather than new return values, so the
    /// mutations' signatures stay as they are and every writer in the process (another session, the
    /// dev host's ingest, POP3) lets IMAP sessions follow the change without re-reading what was
    /// just written. Handlers must be quick and must not throw.
    /// </summary>
    public event Action<string, int, FolderDelta?>? FolderWritten
    {
        add => _index.Signals.Written += value;
        remove => _index.Signals.Written -= value;
    }

    /// <summary>
    /// A folder was created, renamed or deleted (<see cref="NoticeKind.Folders"/>) or a
    /// subscription changed (<see cref="NoticeKind.Subscriptions"/>) through this process; with
    /// the folder's id, 0 when several changed (a rename of a subtree). Other processes learn of it
    /// through the change feed. Handlers must be quick and must not throw.
    /// </summary>
    public event Action<string, int, NoticeKind>? FolderListChanged
    {
        add => _index.Signals.ListChanged += value;
        remove => _index.Signals.ListChanged -= value;
    }

    // Mailbox and folders (FolderCatalog, FolderRenamer, MailboxPurge).

    /// <summary>Creates the index of a new mailbox with the default folders. Idempotent.</summary>
    public Task CreateMailboxAsync(string mailboxId, CancellationToken cancellationToken = default) =>
        _folders.CreateMailboxAsync(mailboxId, cancellationToken);

    public Task<bool> MailboxExistsAsync(string mailboxId, CancellationToken cancellationToken = default) =>
        _folders.MailboxExistsAsync(mailboxId, cancellationToken);

    public Task<MailboxUsage?> GetUsageAsync(string mailboxId, CancellationToken cancellationToken = default) =>
        _folders.GetUsageAsync(mailboxId, cancellationToken);

    /// <summary>Deletes a mailbox's whole index partition and its blobs. Safe to run again after a crash.</summary>
    public Task DeleteMailboxAsync(string mailboxId, CancellationToken cancellationToken = default) =>
        _purge.DeleteMailboxAsync(mailboxId, cancellationToken);

    /// <summary>All folders of a mailbox with their counters: one range query.</summary>
    public Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string mailboxId, CancellationToken cancellationToken = default) =>
        _folders.ListFoldersAsync(mailboxId, cancellationToken);

    /// <inheritdoc cref="FolderCatalog.ListFoldersAndSubscriptionsAsync"/>
    public Task<FolderListing> ListFoldersAndSubscriptionsAsync(string mailboxId, CancellationToken cancellationToken = default) =>
        _folders.ListFoldersAndSubscriptionsAsync(mailboxId, cancellationToken);

    public Task<FolderInfo?> GetFolderAsync(string mailboxId, int folderId, CancellationToken cancellationToken = default) =>
        _folders.GetFolderAsync(mailboxId, folderId, cancellationToken);

    /// <summary>Finds a folder by name ("INBOX" in any case). Two point reads.</summary>
    public Task<FolderInfo?> FindFolderAsync(string mailboxId, string name, CancellationToken cancellationToken = default) =>
        _folders.FindFolderAsync(mailboxId, name, cancellationToken);

    /// <summary>Creates a folder. Returns null if the name exists already.</summary>
    public async Task<FolderInfo?> CreateFolderAsync(string mailboxId, string name, string? specialUse = null, bool subscribed = false, CancellationToken cancellationToken = default)
    {
        var folder = await _folders.CreateFolderAsync(mailboxId, name, specialUse, subscribed, cancellationToken).ConfigureAwait(false);
        if (folder is not null)
        {
            _index.Signals.RaiseList(mailboxId, folder.FolderId, NoticeKind.Folders);
        }
        return folder;
    }

    /// <inheritdoc cref="FolderRenamer.RenameFolderAsync"/>
    public async Task<FolderRenameOutcome> RenameFolderAsync(string mailboxId, string from, string to, CancellationToken cancellationToken = default)
    {
        var outcome = await _renamer.RenameFolderAsync(mailboxId, from, to, cancellationToken).ConfigureAwait(false);
        if (outcome == FolderRenameOutcome.Renamed)
        {
            _index.Signals.RaiseList(mailboxId, 0, NoticeKind.Folders); // the folder and its subtree, maybe new parents
        }
        return outcome;
    }

    /// <inheritdoc cref="MailboxPurge.DeleteFolderAsync"/>
    public async Task<bool> DeleteFolderAsync(string mailboxId, int folderId, CancellationToken cancellationToken = default)
    {
        var deleted = await _purge.DeleteFolderAsync(mailboxId, folderId, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            _index.Signals.RaiseList(mailboxId, folderId, NoticeKind.Folders);
        }
        return deleted;
    }

    /// <summary>SUBSCRIBE / UNSUBSCRIBE. Returns false if there is no such folder.</summary>
    public async Task<bool> SetSubscribedAsync(string mailboxId, int folderId, bool subscribed, CancellationToken cancellationToken = default)
    {
        var found = await _folders.SetSubscribedAsync(mailboxId, folderId, subscribed, cancellationToken).ConfigureAwait(false);
        if (found)
        {
            _index.Signals.RaiseList(mailboxId, folderId, NoticeKind.Subscriptions);
        }
        return found;
    }

    /// <inheritdoc cref="FolderCatalog.RemoveKeptSubscriptionAsync"/>
    public async Task<bool> RemoveKeptSubscriptionAsync(string mailboxId, string name, CancellationToken cancellationToken = default)
    {
        var removed = await _folders.RemoveKeptSubscriptionAsync(mailboxId, name, cancellationToken).ConfigureAwait(false);
        if (removed)
        {
            _index.Signals.RaiseList(mailboxId, 0, NoticeKind.Subscriptions);
        }
        return removed;
    }

    /// <inheritdoc cref="FolderCatalog.ClaimRecentAsync"/>
    public Task<(long From, long To)> ClaimRecentAsync(string mailboxId, FolderInfo folder, CancellationToken cancellationToken = default) =>
        _folders.ClaimRecentAsync(mailboxId, folder, cancellationToken);

    // Messages (MessageAppender, ChangeLog, MessageCopier, MessageMover).

    /// <summary>
    /// Appends a message to a folder and returns its UID. Concurrent appends to one mailbox in this
    /// process are coalesced: one transaction allocates UIDs for all of them.
    /// </summary>
    public Task<AppendResult> AppendAsync(string mailboxId, int folderId, NewMessage message, CancellationToken cancellationToken = default) =>
        _appender.AppendAsync(mailboxId, folderId, message, cancellationToken);

    /// <inheritdoc cref="ChangeLog.StoreFlagsAsync"/>
    public Task<IReadOnlyList<FlagUpdateResult>> StoreFlagsAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, FlagMode mode,
        IReadOnlyCollection<string> flags, long? unchangedSince = null, CancellationToken cancellationToken = default) =>
        _changes.StoreFlagsAsync(mailboxId, folderId, uids, mode, flags, unchangedSince, cancellationToken);

    /// <inheritdoc cref="ChangeLog.ExpungeAsync"/>
    public Task<IReadOnlyList<long>> ExpungeAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken = default) =>
        _changes.ExpungeAsync(mailboxId, folderId, uids, cancellationToken);

    /// <summary>
    /// IMAP EXPUNGE: removes those of <paramref name="uids"/> whose row is still marked \Deleted when
    /// the transaction writes it (checked under the row's ETag), so a caller may pick the UIDs from
    /// a view that is not re-read first: a \Deleted taken off elsewhere is never expunged through.
    /// Returns the UIDs removed.
    /// </summary>
    public Task<IReadOnlyList<long>> ExpungeDeletedAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken = default) =>
        _changes.ExpungeAsync(mailboxId, folderId, uids, cancellationToken, onlyDeleted: true);

    /// <summary>Flag changes and expunges after <paramref name="sinceModSeq"/>, oldest first (one range query).</summary>
    public Task<IReadOnlyList<FolderChange>> GetChangesAsync(string mailboxId, int folderId, long sinceModSeq, CancellationToken cancellationToken = default) =>
        _changes.GetChangesAsync(mailboxId, folderId, sinceModSeq, cancellationToken);

    /// <inheritdoc cref="ChangeLog.ReadChangesAsync"/>
    public IAsyncEnumerable<FolderChange> ReadChangesAsync(string mailboxId, int folderId, long sinceModSeq, CancellationToken cancellationToken = default) =>
        _changes.ReadChangesAsync(mailboxId, folderId, sinceModSeq, cancellationToken);

    /// <inheritdoc cref="IndexPruning"/>
    public Task<IndexPruneResult> PruneAsync(string mailboxId, DateTimeOffset changesBefore, DateTimeOffset dedupeBefore, CancellationToken cancellationToken = default) =>
        _pruning.PruneAsync(mailboxId, changesBefore, dedupeBefore, cancellationToken);

    /// <inheritdoc cref="MessageCopier"/>
    public Task<CopyResult> CopyMessagesAsync(string mailboxId, int fromFolderId, IReadOnlyCollection<long> uids, int toFolderId,
        long? quotaBytes = null, CancellationToken cancellationToken = default) =>
        _copier.CopyMessagesAsync(mailboxId, fromFolderId, uids, toFolderId, quotaBytes, cancellationToken);

    /// <inheritdoc cref="MessageMover"/>
    public Task<CopyResult> MoveMessagesAsync(string mailboxId, int fromFolderId, IReadOnlyCollection<long> uids, int toFolderId, CancellationToken cancellationToken = default) =>
        _mover.MoveMessagesAsync(mailboxId, fromFolderId, uids, toFolderId, cancellationToken);

    // Reading (FolderViews).

    /// <summary>Messages of a folder in UID order, from <paramref name="fromUid"/> to <paramref name="toUid"/> inclusive.</summary>
    public IAsyncEnumerable<IndexedMessage> ListMessagesAsync(string mailboxId, int folderId, long fromUid = 1, long toUid = MaxUid,
        bool includeSummary = true, CancellationToken cancellationToken = default) =>
        _views.ListMessagesAsync(mailboxId, folderId, fromUid, toUid, includeSummary, cancellationToken);

    public Task<IndexedMessage?> GetMessageAsync(string mailboxId, int folderId, long uid, CancellationToken cancellationToken = default) =>
        _views.GetMessageAsync(mailboxId, folderId, uid, cancellationToken);

    /// <inheritdoc cref="FolderViews.LoadFolderViewAsync"/>
    public Task<FolderView> LoadFolderViewAsync(string mailboxId, FolderInfo folder, CancellationToken cancellationToken = default) =>
        _views.LoadFolderViewAsync(mailboxId, folder, cancellationToken);

    /// <inheritdoc cref="FolderViews.RefreshFolderViewAsync"/>
    public Task<FolderView> RefreshFolderViewAsync(string mailboxId, FolderView view, FolderInfo folder, CancellationToken cancellationToken = default) =>
        _views.RefreshFolderViewAsync(mailboxId, view, folder, cancellationToken);

    /// <inheritdoc cref="FolderViews.ListFolderViewAsync"/>
    public Task<FolderView> ListFolderViewAsync(string mailboxId, FolderInfo folder, CancellationToken cancellationToken = default) =>
        _views.ListFolderViewAsync(mailboxId, folder, cancellationToken);

    /// <summary>The persisted snapshot of a folder's view (one range query), or null.</summary>
    public Task<FolderView?> ReadFolderViewSnapshotAsync(string mailboxId, int folderId, CancellationToken cancellationToken = default) =>
        _views.ReadFolderViewSnapshotAsync(mailboxId, folderId, cancellationToken);

    /// <summary>Saves a folder's view as its snapshot (one transaction; skipped for views too large to store atomically).</summary>
    public Task<bool> SaveFolderViewAsync(string mailboxId, int folderId, FolderView view, CancellationToken cancellationToken = default) =>
        _views.SaveFolderViewAsync(mailboxId, folderId, view, cancellationToken);
}

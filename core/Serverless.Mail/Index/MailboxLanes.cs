using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// Serialises index writes per mailbox inside one process and remembers the last counter rows
/// (with their ETags) so a steady stream of deliveries costs one transaction each instead of a
/// read plus a write. Other processes are kept honest by the ETags: a stale cache fails with 412
/// and is re-read. Mailboxes are striped over a fixed set of lanes so memory stays bounded.
/// Each lane also keeps the queue of writes waiting for group commit (<see cref="GroupCommit"/>)
/// and the message rows it last read or wrote, so a STORE or EXPUNGE of a known message needs no
/// read: each such row is written guarded by its own ETag, so a stale copy costs a retry, never a
/// wrong write.
/// </summary>
internal sealed class MailboxLanes
{
    private const int LaneCount = 256;
    private readonly Lane[] _lanes;

    public MailboxLanes()
    {
        _lanes = new Lane[LaneCount];
        for (var i = 0; i < LaneCount; i++)
        {
            _lanes[i] = new Lane();
        }
    }

    public Lane For(string mailboxId) => _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(mailboxId) % LaneCount)];

    internal sealed class Lane
    {
        private const int MaxCachedMailboxes = 32;

        /// <summary>Message rows remembered per lane (~250 bytes each): 256 lanes stay within ~32 MB however busy.</summary>
        public const int MaxCachedMessages = 512;

        private readonly Dictionary<string, CachedRows> _cache = new(StringComparer.Ordinal);

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public List<PendingWrite> Pending { get; } = [];

        /// <summary>Message rows held by all mailboxes of this lane; only touched while holding <see cref="Gate"/>.</summary>
        internal int CachedMessages { get; set; }

        /// <summary>Frees every mailbox's remembered message rows (the lane's budget is spent).</summary>
        internal void ForgetMessages()
        {
            foreach (var rows in _cache.Values)
            {
                rows.Messages.Clear();
            }
            CachedMessages = 0;
        }

        /// <summary>Only touched while holding <see cref="Gate"/>.</summary>
        public CachedRows Rows(string mailboxId)
        {
            if (!_cache.TryGetValue(mailboxId, out var rows))
            {
                if (_cache.Count >= MaxCachedMailboxes)
                {
                    _cache.Clear();
                    CachedMessages = 0;
                }
                rows = new CachedRows(this);
                _cache[mailboxId] = rows;
            }
            return rows;
        }
    }

    internal sealed class CachedRows(Lane lane)
    {
        public TableEntity? Box { get; set; }

        public Dictionary<int, TableEntity> Folders { get; } = [];

        /// <summary>Message rows (no summary) with their ETags, as last read or written here.</summary>
        public Dictionary<(int FolderId, long Uid), (IndexedMessage Message, ETag ETag)> Messages { get; } = [];

        /// <summary>
        /// Forgets the counter rows. Message rows stay: each is guarded by its own ETag, and another
        /// writer's change to the folder row says nothing about which of them changed.
        /// </summary>
        public void Forget()
        {
            Box = null;
            Folders.Clear();
        }

        public void Remember(int folderId, IndexedMessage message, ETag etag)
        {
            if (etag == default)
            {
                Drop(folderId, message.Uid);
                return;
            }
            if (!Messages.ContainsKey((folderId, message.Uid)))
            {
                if (lane.CachedMessages >= Lane.MaxCachedMessages)
                {
                    lane.ForgetMessages();
                }
                lane.CachedMessages++;
            }
            Messages[(folderId, message.Uid)] = (message with { Summary = null }, etag);
        }

        public void Drop(int folderId, long uid)
        {
            if (Messages.Remove((folderId, uid)))
            {
                lane.CachedMessages--;
            }
        }

        /// <summary>
        /// Messages known to be expunged: deleted by a transaction of this process, or missing from
        /// a read. A UID is never used again in its folder (folder ids and UIDs only grow), so a
        /// STORE or EXPUNGE racing another session's expunge of the same message needs no read to
        /// learn it is gone. Bounded: forgotten wholesale, which only costs reads.
        /// </summary>
        private readonly HashSet<(int FolderId, long Uid)> _gone = [];

        private const int MaxGone = 1024;

        public void Gone(int folderId, long uid)
        {
            Drop(folderId, uid);
            if (_gone.Count >= MaxGone)
            {
                _gone.Clear();
            }
            _gone.Add((folderId, uid));
        }

        public bool IsGone(int folderId, long uid) => _gone.Contains((folderId, uid));
    }

    internal sealed class PendingAppend(string mailboxId, int folderId, NewMessage message, IGroupWriter writer)
        : PendingWrite<AppendResult>(mailboxId, writer)
    {
        public int FolderId { get; } = folderId;

        public NewMessage Message { get; } = message;
    }
}

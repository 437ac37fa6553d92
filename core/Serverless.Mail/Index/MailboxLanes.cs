using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// Serialises index writes per mailbox inside one process and remembers the last counter rows
/// (with their ETags) so a steady stream of deliveries costs one transaction each instead of a
/// read plus a write. Other processes are kept honest by the ETags: a stale cache fails with 412
/// and is re-read. Mailboxes are striped over a fixed set of lanes so memory stays bounded.
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
        private readonly Dictionary<string, CachedRows> _cache = new(StringComparer.Ordinal);

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public List<PendingAppend> Pending { get; } = [];

        /// <summary>Only touched while holding <see cref="Gate"/>.</summary>
        public CachedRows Rows(string mailboxId)
        {
            if (!_cache.TryGetValue(mailboxId, out var rows))
            {
                if (_cache.Count >= MaxCachedMailboxes)
                {
                    _cache.Clear();
                }
                rows = new CachedRows();
                _cache[mailboxId] = rows;
            }
            return rows;
        }
    }

    internal sealed class CachedRows
    {
        public TableEntity? Box { get; set; }

        public Dictionary<int, TableEntity> Folders { get; } = [];

        public void Forget()
        {
            Box = null;
            Folders.Clear();
        }
    }

    internal sealed class PendingAppend(string mailboxId, int folderId, NewMessage message)
    {
        public string MailboxId { get; } = mailboxId;

        public int FolderId { get; } = folderId;

        public NewMessage Message { get; } = message;

        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

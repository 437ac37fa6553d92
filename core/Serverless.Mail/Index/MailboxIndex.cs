using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>
/// The mailbox index in Table storage: folders with their IMAP counters, and one row per message.
/// Every mutation is one entity-group transaction in the mailbox's partition, guarded by the
/// counter rows' ETags, so UIDs are unique and gap-free however many processes write.
/// </summary>
public sealed partial class MailboxIndex
{
    private const int MaxOpsPerTransaction = 100;
    private const int MaxPayloadChars = 1_500_000; // batches are limited to 4 MiB on the wire
    private const int MaxAttempts = 60;

    private readonly TableClient _table;
    private readonly BlobHolders _holders;
    private readonly ILogger<MailboxIndex> _logger;
    private readonly MailboxLanes _lanes = new();

    public MailboxIndex(MailStorage storage, BlobHolders holders, ILogger<MailboxIndex> logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _table = storage.MailIndex;
        _holders = holders;
        _logger = logger;
    }

    /// <summary>Creates the index of a new mailbox with the default folders. Idempotent.</summary>
    public async Task CreateMailboxAsync(string mailboxId, CancellationToken cancellationToken = default)
    {
        var uidValidity = NewUidValidity(0);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Box)
            {
                ["NextFolderId"] = SpecialUse.Defaults.Count + 1,
                ["Messages"] = 0L,
                ["Bytes"] = 0L,
                ["LastUidValidity"] = uidValidity + SpecialUse.Defaults.Count,
            }),
        };
        foreach (var (id, name, use) in SpecialUse.Defaults)
        {
            var folder = new FolderInfo
            {
                FolderId = id,
                Name = name,
                SpecialUse = use,
                Subscribed = true,
                UidValidity = uidValidity + id,
                UidNext = 1,
                HighestModSeq = 1,
                RecentFromUid = 1,
            };
            actions.Add(new(TableTransactionActionType.Add, IndexEntities.FromFolder(mailboxId, folder)));
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Name(name)) { ["FolderId"] = id }));
        }
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // Already created (a retried request): the index exists with its folders.
        }
    }

    public async Task<bool> MailboxExistsAsync(string mailboxId, CancellationToken cancellationToken = default) =>
        await GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false) is not null;

    public async Task<MailboxUsage?> GetUsageAsync(string mailboxId, CancellationToken cancellationToken = default)
    {
        var box = await GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
        return box is null ? null : new MailboxUsage(box.GetInt64("Messages") ?? 0, box.GetInt64("Bytes") ?? 0);
    }

    /// <summary>All folders of a mailbox with their counters: one range query.</summary>
    public async Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string mailboxId, CancellationToken cancellationToken = default)
    {
        var result = new List<FolderInfo>();
        var filter = IndexKeys.Range(mailboxId, IndexKeys.FolderPrefix, "f}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(IndexEntities.ToFolder(e));
        }
        return result;
    }

    public async Task<FolderInfo?> GetFolderAsync(string mailboxId, int folderId, CancellationToken cancellationToken = default)
    {
        var e = await GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
        return e is null ? null : IndexEntities.ToFolder(e);
    }

    /// <summary>Finds a folder by name ("INBOX" in any case). Two point reads.</summary>
    public async Task<FolderInfo?> FindFolderAsync(string mailboxId, string name, CancellationToken cancellationToken = default)
    {
        var nameRow = await GetEntityAsync(mailboxId, IndexKeys.Name(NormalizeName(name)), cancellationToken).ConfigureAwait(false);
        if (nameRow?.GetInt32("FolderId") is not int id)
        {
            return null;
        }
        return await GetFolderAsync(mailboxId, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The folder-name rule (<see cref="FolderNames.Normalize"/>), where the index looks names up.</summary>
    public static string NormalizeName(string name) => FolderNames.Normalize(name);

    /// <summary>Creates a folder. Returns null if the name exists already.</summary>
    public async Task<FolderInfo?> CreateFolderAsync(string mailboxId, string name, string? specialUse = null, bool subscribed = false, CancellationToken cancellationToken = default)
    {
        name = NormalizeName(name);
        var lane = _lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            for (var attempt = 0; ; attempt++)
            {
                var box = rows.Box ?? await GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Mailbox {mailboxId} has no index.");
                var next = Clone(box);
                var folderId = next.GetInt32("NextFolderId") ?? 1;
                var uidValidity = NewUidValidity(next.GetInt64("LastUidValidity") ?? 0);
                next["NextFolderId"] = folderId + 1;
                next["LastUidValidity"] = uidValidity;
                var folder = new FolderInfo
                {
                    FolderId = folderId,
                    Name = name,
                    SpecialUse = specialUse,
                    Subscribed = subscribed,
                    UidValidity = uidValidity,
                    UidNext = 1,
                    HighestModSeq = 1,
                    RecentFromUid = 1,
                };
                var actions = new List<TableTransactionAction>
                {
                    new(TableTransactionActionType.UpdateReplace, next, box.ETag),
                    new(TableTransactionActionType.Add, IndexEntities.FromFolder(mailboxId, folder)),
                    new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Name(name)) { ["FolderId"] = folderId }),
                };
                try
                {
                    var response = await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    rows.Box = WithETag(next, response.Value[0]);
                    return folder with { ETag = response.Value[1].Headers.ETag ?? default };
                }
                catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == 2)
                {
                    rows.Forget();
                    return null;
                }
                catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
                {
                    rows.Forget();
                    await Backoff(attempt, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    /// <summary>
    /// Appends a message to a folder and returns its UID. Concurrent appends to one mailbox in this
    /// process are coalesced: one transaction allocates UIDs for all of them.
    /// </summary>
    public async Task<AppendResult> AppendAsync(string mailboxId, int folderId, NewMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.SharedBlob && message.HolderId is null)
        {
            throw new ArgumentException("A shared blob needs a holder id.", nameof(message));
        }
        var lane = _lanes.For(mailboxId);
        var pending = new MailboxLanes.PendingAppend(mailboxId, folderId, message);
        lock (lane.Pending)
        {
            lane.Pending.Add(pending);
        }
        while (!pending.Completion.Task.IsCompleted)
        {
            try
            {
                await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (lane.Pending)
                {
                    if (lane.Pending.Remove(pending))
                    {
                        throw;
                    }
                }
                break; // already taken by another caller's batch: wait for its outcome
            }
            try
            {
                if (pending.Completion.Task.IsCompleted)
                {
                    break;
                }
                List<MailboxLanes.PendingAppend> batch;
                lock (lane.Pending)
                {
                    batch = lane.Pending.Where(p => p.MailboxId == mailboxId).Take(MaxOpsPerTransaction / 2).ToList();
                    foreach (var p in batch)
                    {
                        lane.Pending.Remove(p);
                    }
                }
                await ProcessAppendsAsync(lane, mailboxId, batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lane.Gate.Release();
            }
        }
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    private async Task ProcessAppendsAsync(MailboxLanes.Lane lane, string mailboxId, List<MailboxLanes.PendingAppend> batch, CancellationToken cancellationToken)
    {
        var rows = lane.Rows(mailboxId);
        try
        {
            for (var attempt = 0; batch.Count > 0; attempt++)
            {
                rows.Box ??= await GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
                if (rows.Box is null)
                {
                    foreach (var p in batch)
                    {
                        p.Completion.TrySetResult(new AppendResult(AppendOutcome.NoSuchFolder, p.FolderId, 0, 0, 0));
                    }
                    return;
                }
                foreach (var folderId in batch.Select(p => p.FolderId).Distinct().ToList())
                {
                    if (!rows.Folders.ContainsKey(folderId))
                    {
                        var f = await GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
                        if (f is null)
                        {
                            foreach (var p in batch.Where(p => p.FolderId == folderId).ToList())
                            {
                                p.Completion.TrySetResult(new AppendResult(AppendOutcome.NoSuchFolder, folderId, 0, 0, 0));
                                batch.Remove(p);
                            }
                            continue;
                        }
                        rows.Folders[folderId] = f;
                    }
                }

                var plan = PlanAppends(mailboxId, rows, batch, lane);
                if (plan.Actions.Count == plan.CounterCount)
                {
                    plan.Complete();
                    return;
                }
                try
                {
                    var response = await _table.SubmitTransactionAsync(plan.Actions, cancellationToken).ConfigureAwait(false);
                    rows.Box = WithETag(plan.Box, response.Value[0]);
                    var i = 1;
                    var deltas = new List<(int FolderId, FolderDelta? Delta)>();
                    foreach (var (folderId, folder) in plan.Folders)
                    {
                        deltas.Add((folderId, DeltaOf(rows.Folders[folderId], folder, [], plan.Added(folderId))));
                        rows.Folders[folderId] = WithETag(folder, response.Value[i++]);
                    }
                    if (rows.Box.ETag == default || rows.Folders.Values.Any(f => f.ETag == default))
                    {
                        rows.Forget();
                    }
                    plan.Complete();
                    foreach (var (folderId, delta) in deltas)
                    {
                        SignalFolderChanged(mailboxId, folderId, delta);
                    }
                    return;
                }
                catch (TableTransactionFailedException e) when (attempt < MaxAttempts)
                {
                    rows.Forget();
                    if (e.Status == 409 && await ResolveDuplicatesAsync(mailboxId, plan, e.FailedTransactionActionIndex, batch, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }
                    if (e.Status is not (409 or 412 or 404))
                    {
                        throw;
                    }
                    LogConflict(mailboxId, e.Status, attempt);
                    await Backoff(attempt, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            rows.Forget();
            foreach (var p in batch)
            {
                p.Completion.TrySetException(e);
            }
        }
    }

    private sealed class AppendPlan
    {
        public List<TableTransactionAction> Actions { get; } = [];

        public int CounterCount { get; set; }

        public TableEntity Box { get; set; } = null!;

        public List<(int FolderId, TableEntity Folder)> Folders { get; } = [];

        /// <summary>For each action index that inserts a dedupe row: the append it belongs to.</summary>
        public Dictionary<int, MailboxLanes.PendingAppend> DedupeActions { get; } = [];

        public List<(MailboxLanes.PendingAppend Pending, AppendResult Result)> Outcomes { get; } = [];

        /// <summary>The messages this plan adds to a folder, as a view sees them.</summary>
        public List<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> Added(int folderId) =>
            Outcomes.Where(o => o.Result.Outcome == AppendOutcome.Appended && o.Result.FolderId == folderId)
                .Select(o => (o.Result.Uid, o.Result.ModSeq, IndexEntities.SplitFlags(IndexEntities.JoinFlags(o.Pending.Message.Flags))))
                .ToList();

        public void Complete()
        {
            foreach (var (p, r) in Outcomes)
            {
                p.Completion.TrySetResult(r);
            }
        }
    }

    private static AppendPlan PlanAppends(string mailboxId, MailboxLanes.CachedRows rows, List<MailboxLanes.PendingAppend> batch, MailboxLanes.Lane lane)
    {
        var plan = new AppendPlan { Box = Clone(rows.Box!) };
        var folders = new Dictionary<int, TableEntity>();
        var messageActions = new List<(TableTransactionAction Action, MailboxLanes.PendingAppend? Dedupe)>();
        var ops = 1;
        var chars = 0;
        var taken = new List<MailboxLanes.PendingAppend>();
        foreach (var p in batch)
        {
            var newFolder = !folders.ContainsKey(p.FolderId);
            var need = 1 + (p.Message.DedupeKey is null ? 0 : 1) + (newFolder ? 1 : 0);
            var entity = IndexEntities.FromMessage(mailboxId, p.FolderId, 0, 0, p.Message);
            var size = EstimateChars(entity);
            if (ops + need > MaxOpsPerTransaction || (taken.Count > 0 && chars + size > MaxPayloadChars))
            {
                break; // the rest goes in the next transaction
            }
            taken.Add(p);
            if (newFolder)
            {
                folders[p.FolderId] = Clone(rows.Folders[p.FolderId]);
            }
            var f = folders[p.FolderId];
            var m = p.Message;
            var boxBytes = plan.Box.GetInt64("Bytes") ?? 0;
            if (m.QuotaBytes is long quota && boxBytes + m.Size > quota)
            {
                plan.Outcomes.Add((p, new AppendResult(AppendOutcome.OverQuota, p.FolderId, f.GetInt64("UidValidity") ?? 0, 0, 0)));
                continue;
            }
            var uid = f.GetInt64("UidNext") ?? 1;
            var modSeq = (f.GetInt64("HighestModSeq") ?? 1) + 1;
            f["UidNext"] = uid + 1;
            f["HighestModSeq"] = modSeq;
            f["Messages"] = (f.GetInt64("Messages") ?? 0) + 1;
            f["Bytes"] = (f.GetInt64("Bytes") ?? 0) + m.Size;
            if (!m.Flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase))
            {
                f["Unseen"] = (f.GetInt64("Unseen") ?? 0) + 1;
            }
            plan.Box["Messages"] = (plan.Box.GetInt64("Messages") ?? 0) + 1;
            plan.Box["Bytes"] = boxBytes + m.Size;
            entity = IndexEntities.FromMessage(mailboxId, p.FolderId, uid, modSeq, m);
            ops += need;
            chars += size;
            messageActions.Add((new TableTransactionAction(TableTransactionActionType.Add, entity), null));
            var uidValidity = f.GetInt64("UidValidity") ?? 0;
            if (m.DedupeKey is not null)
            {
                messageActions.Add((new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Dedupe(m.DedupeKey))
                {
                    ["FolderId"] = p.FolderId,
                    ["Uid"] = uid,
                    ["UidValidity"] = uidValidity,
                    ["At"] = DateTimeOffset.UtcNow,
                }), p));
            }
            plan.Outcomes.Add((p, new AppendResult(AppendOutcome.Appended, p.FolderId, uidValidity, uid, modSeq)));
        }
        // Whatever did not fit waits for the next round.
        var leftovers = batch.Except(taken).ToList();
        if (leftovers.Count > 0)
        {
            batch.RemoveAll(leftovers.Contains);
            lock (lane.Pending)
            {
                lane.Pending.InsertRange(0, leftovers);
            }
        }

        plan.Actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, plan.Box, rows.Box!.ETag));
        foreach (var (folderId, folder) in folders)
        {
            plan.Folders.Add((folderId, folder));
            plan.Actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, folder, rows.Folders[folderId].ETag));
        }
        plan.CounterCount = plan.Actions.Count;
        foreach (var (action, dedupe) in messageActions)
        {
            if (dedupe is not null)
            {
                plan.DedupeActions[plan.Actions.Count] = dedupe;
            }
            plan.Actions.Add(action);
        }
        return plan;
    }

    /// <summary>
    /// A 409 in an append batch means a dedupe row exists: that message was filed before. Answer
    /// those appends with the first UID and retry the rest. Returns false if no duplicate was found.
    /// </summary>
    private async Task<bool> ResolveDuplicatesAsync(string mailboxId, AppendPlan plan, int? failedIndex, List<MailboxLanes.PendingAppend> batch, CancellationToken cancellationToken)
    {
        var candidates = failedIndex is int i && plan.DedupeActions.TryGetValue(i, out var one)
            ? [one]
            : plan.DedupeActions.Values.ToList();
        var found = false;
        foreach (var p in candidates)
        {
            var row = await GetEntityAsync(mailboxId, IndexKeys.Dedupe(p.Message.DedupeKey!), cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                continue;
            }
            found = true;
            p.Completion.TrySetResult(new AppendResult(AppendOutcome.Duplicate, row.GetInt32("FolderId") ?? p.FolderId,
                row.GetInt64("UidValidity") ?? 0, row.GetInt64("Uid") ?? 0, 0));
            batch.Remove(p);
        }
        return found;
    }

    /// <summary>Messages of a folder in UID order, from <paramref name="fromUid"/> to <paramref name="toUid"/> inclusive.</summary>
    public async IAsyncEnumerable<IndexedMessage> ListMessagesAsync(string mailboxId, int folderId, long fromUid = 1, long toUid = MaxUid,
        bool includeSummary = true, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (toUid < fromUid)
        {
            yield break;
        }
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Message(folderId, Math.Max(1, fromUid)), IndexKeys.Message(folderId, Math.Min(toUid, MaxUid - 1) + 1));
        IEnumerable<string>? select = includeSummary ? null : ["RowKey", "Blob", "Shared", "Holder", "Size", "InternalDate", "Flags", "ModSeq"];
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return IndexEntities.ToMessage(e);
        }
    }

    public const long MaxUid = 9_999_999_999;

    public async Task<IndexedMessage?> GetMessageAsync(string mailboxId, int folderId, long uid, CancellationToken cancellationToken = default)
    {
        var e = await GetEntityAsync(mailboxId, IndexKeys.Message(folderId, uid), cancellationToken).ConfigureAwait(false);
        return e is null ? null : IndexEntities.ToMessage(e);
    }

    /// <summary>Flag changes and expunges after <paramref name="sinceModSeq"/>, oldest first (one range query).</summary>
    public async Task<IReadOnlyList<FolderChange>> GetChangesAsync(string mailboxId, int folderId, long sinceModSeq, CancellationToken cancellationToken = default)
    {
        var result = new List<FolderChange>();
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Change(folderId, sinceModSeq + 1), IndexKeys.ChangeRangeStart(folderId) + "~");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var modSeq = long.Parse(e.RowKey.AsSpan(e.RowKey.LastIndexOf('|') + 1), System.Globalization.CultureInfo.InvariantCulture);
            var kind = e.GetString("Kind") == "expunge" ? FolderChangeKind.Expunge : FolderChangeKind.Flags;
            result.Add(new FolderChange(modSeq, e.GetInt64("Uid") ?? 0, kind, kind == FolderChangeKind.Flags ? IndexEntities.SplitFlags(e.GetString("Flags")) : null));
        }
        return result;
    }

    private async Task<TableEntity?> GetEntityAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var r = await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return r.HasValue ? r.Value : null;
    }

    internal static TableEntity Clone(TableEntity e)
    {
        var c = new TableEntity(e.PartitionKey, e.RowKey) { ETag = e.ETag };
        foreach (var (k, v) in e)
        {
            if (k is not ("PartitionKey" or "RowKey" or "odata.etag" or "Timestamp"))
            {
                c[k] = v;
            }
        }
        return c;
    }

    private static TableEntity WithETag(TableEntity e, Response response)
    {
        e.ETag = response.Headers.ETag ?? default;
        return e;
    }

    private static int EstimateChars(TableEntity e) =>
        200 + ((IDictionary<string, object>)e).Values.Sum(v => v is string s ? s.Length + 32 : 32);

    /// <summary>UIDVALIDITY: seconds since the epoch, strictly above the last one this mailbox used.</summary>
    private static long NewUidValidity(long last) =>
        Math.Min(uint.MaxValue, Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), last + 1));

    private static Task Backoff(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 + (Math.Min(attempt, 8) * 15))), cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Index write conflict in mailbox {MailboxId} (status {Status}, attempt {Attempt})")]
    private partial void LogConflict(string mailboxId, int status, int attempt);
}

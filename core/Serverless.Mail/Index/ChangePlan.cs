using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>A waiting STORE or EXPUNGE of one chunk of messages (at most <see cref="ChangePlan.MessagesPerRequest"/>).</summary>
internal sealed class PendingChange(string mailboxId, int folderId, long[] uids, FolderChangeKind kind, FlagMode mode,
    IReadOnlyCollection<string> flags, long? unchangedSince, IGroupWriter writer, bool onlyDeleted = false) : PendingWrite<ChangeOutcome>(mailboxId, writer)
{
    /// <summary>An expunge of only those messages whose row (as verified by its ETag) is marked \Deleted.</summary>
    public bool OnlyDeleted { get; } = onlyDeleted;

    public int FolderId { get; } = folderId;

    public long[] Uids { get; } = uids;

    public FolderChangeKind Kind { get; } = kind;

    public FlagMode Mode { get; } = mode;

    public IReadOnlyCollection<string> Flags { get; } = flags;

    public long? UnchangedSince { get; } = unchangedSince;
}

/// <summary>What one STORE or EXPUNGE chunk did: the flag results, or the rows it removed.</summary>
internal sealed record ChangeOutcome(IReadOnlyList<FlagUpdateResult> Stored, IReadOnlyList<IndexedMessage> Removed)
{
    public static readonly ChangeOutcome None = new([], []);
}

/// <summary>
/// One transaction of <see cref="ChangeWriter"/>: the mailbox row (when something is expunged),
/// each touched folder's row with its next MODSEQs, and per changed message its row (merged or
/// deleted, guarded by its ETag) and its change-log row — for as many waiting requests as fit in
/// 100 operations and 4 MiB. A request is taken whole or not at all; one that touches a message
/// another request of this transaction already changes waits for the next, so each message row is
/// written once per transaction and every change keeps its own MODSEQ, in order.
/// </summary>
internal sealed class ChangePlan
{
    /// <summary>Two rows per message plus the two counter rows stay within 100 operations.</summary>
    public const int MessagesPerRequest = 45;

    public List<TableTransactionAction> Actions { get; } = [];

    public TableEntity? Box { get; private set; }

    /// <summary>Per folder: the cached row the transaction is guarded by, and its new state.</summary>
    public Dictionary<int, (TableEntity Before, TableEntity After, List<FolderChange> Changes)> Folders { get; } = [];

    /// <summary>Per action index of a message row: which message, and its new state (null when deleted).</summary>
    public Dictionary<int, (int FolderId, long Uid, IndexedMessage? After)> MessageActions { get; } = [];

    public List<(PendingChange Pending, ChangeOutcome Outcome)> Outcomes { get; } = [];

    /// <summary>Requests left for the next transaction.</summary>
    public List<PendingChange> Deferred { get; } = [];

    /// <summary>Messages whose outcome (no write) came from a remembered row: read them and plan again.</summary>
    public HashSet<(int FolderId, long Uid)> Unverified { get; } = [];

    public int CounterCount { get; private set; }

    public void Complete()
    {
        foreach (var (p, o) in Outcomes)
        {
            p.Completion.TrySetResult(o);
        }
    }

    /// <summary>
    /// Plans <paramref name="items"/> against the lane's counter rows and <paramref name="known"/>,
    /// every message of the items that exists (remembered or just read). <paramref name="fresh"/>
    /// names those read in this attempt: only they may be answered without a write (a remembered
    /// row may be stale, and only a write guarded by its ETag proves it is not).
    /// </summary>
    public static ChangePlan Make(string mailboxId, MailboxLanes.CachedRows rows, List<PendingChange> items,
        Dictionary<(int, long), (IndexedMessage Message, ETag ETag)> known, HashSet<(int, long)> fresh)
    {
        var plan = new ChangePlan();
        var touched = new HashSet<(int, long)>();
        var messageActions = new List<(TableTransactionAction Action, int FolderId, long Uid, IndexedMessage? After)>();
        var ops = 0;
        long bytes = 0;
        foreach (var item in items)
        {
            var messages = item.Uids.Where(u => known.ContainsKey((item.FolderId, u)))
                .Select(u => known[(item.FolderId, u)].Message).ToList();
            if (messages.Any(m => touched.Contains((item.FolderId, m.Uid))))
            {
                plan.Deferred.Add(item);
                continue;
            }
            // First what it would write, without touching the counters, to see whether it fits.
            var writes = new List<(IndexedMessage Before, List<string>? Flags)>();
            var answers = new List<IndexedMessage>();
            var kept = new List<IndexedMessage>();
            foreach (var m in messages)
            {
                if (item.Kind == FolderChangeKind.Expunge)
                {
                    if (item.OnlyDeleted && !m.HasFlag("\\Deleted"))
                    {
                        kept.Add(m); // \Deleted was taken off: left alone once a fresh read confirms it
                        continue;
                    }
                    writes.Add((m, null));
                    continue;
                }
                var next = ChangeLog.ApplyFlags(m.Flags, item.Mode, item.Flags);
                if ((item.UnchangedSince is long since && m.ModSeq > since) || SameFlags(next, m.Flags))
                {
                    answers.Add(m);
                }
                else
                {
                    writes.Add((m, next));
                }
            }
            var unverified = answers.Concat(kept).Where(m => !fresh.Contains((item.FolderId, m.Uid))).ToList();
            if (unverified.Count > 0)
            {
                plan.Unverified.UnionWith(unverified.Select(m => (item.FolderId, m.Uid)));
                plan.Deferred.Add(item);
                continue;
            }
            var newFolder = writes.Count > 0 && !plan.Folders.ContainsKey(item.FolderId);
            var newBox = item.Kind == FolderChangeKind.Expunge && writes.Count > 0 && plan.Box is null;
            var need = (2 * writes.Count) + (newFolder ? 1 : 0) + (newBox ? 1 : 0);
            var size = writes.Sum(w => Prototype(mailboxId, item.FolderId, w.Before.Uid, w.Flags));
            if (ops > 0 && (ops + need > IndexTable.MaxOpsPerTransaction || bytes + size > TableEntitySize.TransactionBudgetBytes))
            {
                plan.Deferred.Add(item);
                continue;
            }
            ops += need;
            bytes += size;
            if (newBox)
            {
                plan.Box = IndexTable.Clone(rows.Box!);
            }
            if (newFolder)
            {
                plan.Folders[item.FolderId] = (rows.Folders[item.FolderId], IndexTable.Clone(rows.Folders[item.FolderId]), []);
            }
            var stored = new List<FlagUpdateResult>();
            var removed = new List<IndexedMessage>();
            foreach (var m in answers)
            {
                stored.Add(new FlagUpdateResult(m.Uid, m.Flags, m.ModSeq, Modified: !(item.UnchangedSince is long since && m.ModSeq > since)));
            }
            foreach (var (m, flags) in writes)
            {
                touched.Add((item.FolderId, m.Uid));
                var (_, folder, changes) = plan.Folders[item.FolderId];
                var modSeq = (folder.GetInt64("HighestModSeq") ?? 1) + 1;
                folder["HighestModSeq"] = modSeq;
                var etag = known[(item.FolderId, m.Uid)].ETag;
                if (flags is null)
                {
                    Expunge(plan.Box!, folder, m);
                    messageActions.Add((new(TableTransactionActionType.Delete, new TableEntity(mailboxId, IndexKeys.Message(item.FolderId, m.Uid)), etag), item.FolderId, m.Uid, null));
                    messageActions.Add((new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Change(item.FolderId, modSeq))
                    {
                        ["Uid"] = m.Uid,
                        ["Kind"] = "expunge",
                    }), item.FolderId, m.Uid, null));
                    changes.Add(new FolderChange(modSeq, m.Uid, FolderChangeKind.Expunge, null));
                    removed.Add(m);
                    continue;
                }
                if (m.HasFlag("\\Seen") != flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase))
                {
                    folder["Unseen"] = Math.Max(0, (folder.GetInt64("Unseen") ?? 0) + (m.HasFlag("\\Seen") ? 1 : -1));
                }
                var joined = IndexEntities.JoinFlags(flags);
                var after = m with { Flags = IndexEntities.SplitFlags(joined), ModSeq = modSeq };
                messageActions.Add((new(TableTransactionActionType.UpdateMerge, new TableEntity(mailboxId, IndexKeys.Message(item.FolderId, m.Uid))
                {
                    ["Flags"] = joined,
                    ["ModSeq"] = modSeq,
                }, etag), item.FolderId, m.Uid, after));
                messageActions.Add((new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Change(item.FolderId, modSeq))
                {
                    ["Uid"] = m.Uid,
                    ["Kind"] = "flags",
                    ["Flags"] = joined,
                }), item.FolderId, m.Uid, null));
                changes.Add(new FolderChange(modSeq, m.Uid, FolderChangeKind.Flags, after.Flags));
                stored.Add(new FlagUpdateResult(m.Uid, after.Flags, modSeq, Modified: true));
            }
            plan.Outcomes.Add((item, new ChangeOutcome(stored.OrderBy(r => r.Uid).ToList(), removed)));
        }

        if (plan.Box is not null)
        {
            plan.Actions.Add(new(TableTransactionActionType.UpdateReplace, plan.Box, rows.Box!.ETag));
        }
        foreach (var (_, (before, after, _)) in plan.Folders)
        {
            plan.Actions.Add(new(TableTransactionActionType.UpdateReplace, after, before.ETag));
        }
        plan.CounterCount = plan.Actions.Count;
        foreach (var (action, folderId, uid, after) in messageActions)
        {
            if (action.ActionType != TableTransactionActionType.Add)
            {
                plan.MessageActions[plan.Actions.Count] = (folderId, uid, after);
            }
            plan.Actions.Add(action);
        }
        return plan;
    }

    private static void Expunge(TableEntity box, TableEntity folder, IndexedMessage m)
    {
        folder["Messages"] = Math.Max(0, (folder.GetInt64("Messages") ?? 0) - 1);
        folder["Bytes"] = Math.Max(0, (folder.GetInt64("Bytes") ?? 0) - m.Size);
        if (!m.HasFlag("\\Seen"))
        {
            folder["Unseen"] = Math.Max(0, (folder.GetInt64("Unseen") ?? 0) - 1);
        }
        box["Messages"] = Math.Max(0, (box.GetInt64("Messages") ?? 0) - 1);
        box["Bytes"] = Math.Max(0, (box.GetInt64("Bytes") ?? 0) - m.Size);
    }

    /// <summary>The bytes a message's two rows take in the request, sized with the largest MODSEQ.</summary>
    private static long Prototype(string mailboxId, int folderId, long uid, List<string>? flags)
    {
        var joined = flags is null ? "" : IndexEntities.JoinFlags(flags);
        return TableEntitySize.OnTheWire(new TableEntity(mailboxId, IndexKeys.Message(folderId, uid)) { ["Flags"] = joined, ["ModSeq"] = long.MaxValue })
            + TableEntitySize.OnTheWire(new TableEntity(mailboxId, IndexKeys.Change(folderId, long.MaxValue)) { ["Uid"] = uid, ["Kind"] = "expunge", ["Flags"] = joined });
    }

    private static bool SameFlags(List<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.All(x => b.Contains(x, StringComparer.OrdinalIgnoreCase));
}

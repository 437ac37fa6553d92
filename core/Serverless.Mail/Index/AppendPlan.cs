using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>
/// One transaction of <see cref="MessageAppender"/>: the mailbox row, the folder rows and the new
/// message (and dedupe) rows for as many waiting appends as fit, with each append's outcome.
/// </summary>
internal sealed class AppendPlan
{
    public List<TableTransactionAction> Actions { get; } = [];

    public int CounterCount { get; set; }

    public TableEntity Box { get; set; } = null!;

    public List<(int FolderId, TableEntity Folder)> Folders { get; } = [];

    /// <summary>For each action index that inserts a dedupe row: the append it belongs to.</summary>
    public Dictionary<int, MailboxLanes.PendingAppend> DedupeActions { get; } = [];

    public List<(MailboxLanes.PendingAppend Pending, AppendResult Result)> Outcomes { get; } = [];

    /// <summary>For each action index that inserts a message row: the row, for the lane to remember with its ETag.</summary>
    public List<(int Action, int FolderId, IndexedMessage Row)> Written { get; } = [];

    /// <summary>The messages this plan adds to a folder, as a view sees them.</summary>
    public List<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> Added(int folderId) =>
        Outcomes.Where(o => o.Result.Outcome == AppendOutcome.Appended && o.Result.FolderId == folderId)
            .Select(o => (o.Result.Uid, o.Result.ModSeq, IndexEntities.SplitFlags(IndexEntities.JoinFlags(o.Pending.Message.Flags))))
            .ToList();

    private static long DedupeWireBytes(string key) =>
        TableEntitySize.OnTheWire(new TableEntity("", IndexKeys.Dedupe(key)) { ["FolderId"] = 0, ["Uid"] = 0L, ["UidValidity"] = 0L, ["At"] = DateTimeOffset.UnixEpoch });

    public void Complete()
    {
        foreach (var (p, r) in Outcomes)
        {
            p.Completion.TrySetResult(r);
        }
    }

    /// <summary>
    /// Plans the appends of <paramref name="batch"/> that fit one transaction; the rest go back to
    /// the front of the lane's queue (and out of <paramref name="batch"/>) for the next round.
    /// </summary>
    public static AppendPlan Make(string mailboxId, MailboxLanes.CachedRows rows, List<MailboxLanes.PendingAppend> batch, MailboxLanes.Lane lane)
    {
        var plan = new AppendPlan { Box = IndexTable.Clone(rows.Box!) };
        var folders = new Dictionary<int, TableEntity>();
        var messageActions = new List<(TableTransactionAction Action, MailboxLanes.PendingAppend? Dedupe, IndexedMessage? Row, int FolderId)>();
        var ops = 1;
        var bytes = TableEntitySize.OnTheWire(plan.Box);
        var taken = new List<MailboxLanes.PendingAppend>();
        var refused = new List<MailboxLanes.PendingAppend>();
        var dedupeKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in batch)
        {
            if (p.Message.DedupeKey is { } key && !dedupeKeys.Add(key))
            {
                // The same hand-off twice in one batch (a redelivery): one transaction cannot insert
                // a row twice, so the second waits for the next, where it is found a duplicate.
                continue;
            }
            var newFolder = !folders.ContainsKey(p.FolderId);
            var need = 1 + (p.Message.DedupeKey is null ? 0 : 1) + (newFolder ? 1 : 0);
            // Sized with the largest UID and MODSEQ it could get, so the real row is no larger.
            var entity = IndexEntities.FromMessage(mailboxId, p.FolderId, MailboxIndex.MaxUid, long.MaxValue, p.Message);
            if (TableEntitySize.Violation(entity) is { } violation)
            {
                // Only this append fails (not the ones it was coalesced with); its summary is
                // already left out when too large, so this is a row Azure could never take.
                p.Completion.TrySetException(new InvalidOperationException($"Message row too large for the index: {violation}."));
                refused.Add(p);
                continue;
            }
            var size = TableEntitySize.OnTheWire(entity) + (p.Message.DedupeKey is null ? 0 : DedupeWireBytes(p.Message.DedupeKey))
                + (newFolder ? TableEntitySize.OnTheWire(rows.Folders[p.FolderId]) : 0);
            if (ops + need > IndexTable.MaxOpsPerTransaction || (taken.Count > 0 && bytes + size > TableEntitySize.TransactionBudgetBytes))
            {
                break; // the rest goes in the next transaction
            }
            taken.Add(p);
            if (newFolder)
            {
                folders[p.FolderId] = IndexTable.Clone(rows.Folders[p.FolderId]);
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
            if (m.ClaimRecent && (f.GetInt64("RecentFromUid") ?? 1) == uid)
            {
                f["RecentFromUid"] = uid + 1; // in the row this transaction writes anyway: no claim left for a SELECT
            }
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
            bytes += size;
            messageActions.Add((new TableTransactionAction(TableTransactionActionType.Add, entity), null, new IndexedMessage
            {
                Uid = uid,
                BlobName = m.BlobName,
                SharedBlob = m.SharedBlob,
                HolderId = m.HolderId,
                Inline = m.Content is not null,
                Size = m.Size,
                InternalDate = m.InternalDate.ToUniversalTime(),
                SavedDate = entity.GetDateTimeOffset("Saved"),
                Flags = IndexEntities.SplitFlags(IndexEntities.JoinFlags(m.Flags)),
                ModSeq = modSeq,
            }, p.FolderId));
            var uidValidity = f.GetInt64("UidValidity") ?? 0;
            if (m.DedupeKey is not null)
            {
                messageActions.Add((new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Dedupe(m.DedupeKey))
                {
                    ["FolderId"] = p.FolderId,
                    ["Uid"] = uid,
                    ["UidValidity"] = uidValidity,
                    ["At"] = DateTimeOffset.UtcNow,
                }), p, null, p.FolderId));
            }
            plan.Outcomes.Add((p, new AppendResult(AppendOutcome.Appended, p.FolderId, uidValidity, uid, modSeq) { SavedDate = entity.GetDateTimeOffset("Saved") }));
        }
        // Whatever did not fit waits for the next round.
        batch.RemoveAll(refused.Contains);
        var leftovers = batch.Except(taken).ToList();
        if (leftovers.Count > 0)
        {
            batch.RemoveAll(leftovers.Contains);
            GroupCommit.Requeue(lane, leftovers);
        }

        plan.Actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, plan.Box, rows.Box!.ETag));
        foreach (var (folderId, folder) in folders)
        {
            plan.Folders.Add((folderId, folder));
            plan.Actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, folder, rows.Folders[folderId].ETag));
        }
        plan.CounterCount = plan.Actions.Count;
        foreach (var (action, dedupe, row, folderId) in messageActions)
        {
            if (dedupe is not null)
            {
                plan.DedupeActions[plan.Actions.Count] = dedupe;
            }
            if (row is not null)
            {
                plan.Written.Add((plan.Actions.Count, folderId, row));
            }
            plan.Actions.Add(action);
        }
        return plan;
    }
}

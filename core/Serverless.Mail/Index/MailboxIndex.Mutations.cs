using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

public sealed partial class MailboxIndex
{
    private const int MessagesPerChunk = 45; // two rows each plus two counters stay under 100 operations

    /// <summary>
    /// Removes messages from a folder (IMAP EXPUNGE, POP3 QUIT) and records each removal in the
    /// folder's change log so other sessions learn of it. Returns the UIDs actually removed.
    /// The blobs go after the index rows, so a crash in between leaks a blob but never leaves a
    /// row pointing at nothing.
    /// </summary>
    public async Task<IReadOnlyList<long>> ExpungeAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var removed = new List<IndexedMessage>();
        var lane = _lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            foreach (var chunk in uids.Distinct().Order().Chunk(MessagesPerChunk))
            {
                var messages = await ReadMessagesAsync(mailboxId, folderId, chunk, cancellationToken).ConfigureAwait(false);
                for (var attempt = 0; messages.Count > 0; attempt++)
                {
                    rows.Box ??= await GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
                    if (!rows.Folders.TryGetValue(folderId, out var folderRow))
                    {
                        folderRow = await GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
                        if (folderRow is null || rows.Box is null)
                        {
                            return removed.Select(m => m.Uid).ToList();
                        }
                        rows.Folders[folderId] = folderRow;
                    }
                    var box = Clone(rows.Box!);
                    var folder = Clone(folderRow);
                    var actions = new List<TableTransactionAction>
                    {
                        new(TableTransactionActionType.UpdateReplace, box, rows.Box!.ETag),
                        new(TableTransactionActionType.UpdateReplace, folder, folderRow.ETag),
                    };
                    var changes = new List<FolderChange>();
                    foreach (var (m, etag) in messages)
                    {
                        var modSeq = (folder.GetInt64("HighestModSeq") ?? 1) + 1;
                        folder["HighestModSeq"] = modSeq;
                        folder["Messages"] = Math.Max(0, (folder.GetInt64("Messages") ?? 0) - 1);
                        folder["Bytes"] = Math.Max(0, (folder.GetInt64("Bytes") ?? 0) - m.Size);
                        if (!m.HasFlag("\\Seen"))
                        {
                            folder["Unseen"] = Math.Max(0, (folder.GetInt64("Unseen") ?? 0) - 1);
                        }
                        box["Messages"] = Math.Max(0, (box.GetInt64("Messages") ?? 0) - 1);
                        box["Bytes"] = Math.Max(0, (box.GetInt64("Bytes") ?? 0) - m.Size);
                        actions.Add(new(TableTransactionActionType.Delete, new TableEntity(mailboxId, IndexKeys.Message(folderId, m.Uid)), etag));
                        actions.Add(new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Change(folderId, modSeq))
                        {
                            ["Uid"] = m.Uid,
                            ["Kind"] = "expunge",
                        }));
                        changes.Add(new FolderChange(modSeq, m.Uid, FolderChangeKind.Expunge, null));
                    }
                    try
                    {
                        var response = await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                        rows.Box = WithETag(box, response.Value[0]);
                        rows.Folders[folderId] = WithETag(folder, response.Value[1]);
                        removed.AddRange(messages.Select(x => x.Message));
                        // Per transaction and in order (still inside the lane), so each delta follows the last.
                        SignalFolderChanged(mailboxId, folderId, DeltaOf(folderRow, folder, changes, []));
                        break;
                    }
                    catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
                    {
                        rows.Forget();
                        if (e.FailedTransactionActionIndex is int i && i >= 2)
                        {
                            // A message row changed or vanished under us: read this chunk again.
                            messages = await ReadMessagesAsync(mailboxId, folderId, messages.Select(x => x.Message.Uid).ToArray(), cancellationToken).ConfigureAwait(false);
                        }
                        await Backoff(attempt, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            lane.Gate.Release();
        }
        foreach (var m in removed)
        {
            await _holders.ReleaseAsync(m.BlobName, m.HolderId, m.SharedBlob, CancellationToken.None).ConfigureAwait(false);
        }
        return removed.Select(m => m.Uid).ToList();
    }

    /// <summary>
    /// Changes flags (IMAP STORE). With <paramref name="unchangedSince"/> (CONDSTORE), messages whose
    /// MODSEQ is higher are left alone and reported with <c>Modified = false</c> and their current flags.
    /// </summary>
    public async Task<IReadOnlyList<FlagUpdateResult>> StoreFlagsAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, FlagMode mode,
        IReadOnlyCollection<string> flags, long? unchangedSince = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(flags);
        var results = new List<FlagUpdateResult>();
        var lane = _lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            // One folder row plus two rows (message, change) per message must stay within 100 operations.
            foreach (var chunk in uids.Distinct().Order().Chunk((MaxOpsPerTransaction - 1) / 2))
            {
                var messages = await ReadMessagesAsync(mailboxId, folderId, chunk, cancellationToken).ConfigureAwait(false);
                for (var attempt = 0; ; attempt++)
                {
                    if (!rows.Folders.TryGetValue(folderId, out var folderRow))
                    {
                        folderRow = await GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
                        if (folderRow is null)
                        {
                            return results;
                        }
                        rows.Folders[folderId] = folderRow;
                    }
                    var folder = Clone(folderRow);
                    var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, folder, folderRow.ETag) };
                    var chunkResults = new List<FlagUpdateResult>();
                    var changes = new List<FolderChange>();
                    foreach (var (m, etag) in messages)
                    {
                        var next = ApplyFlags(m.Flags, mode, flags);
                        if (unchangedSince is long since && m.ModSeq > since)
                        {
                            chunkResults.Add(new FlagUpdateResult(m.Uid, m.Flags, m.ModSeq, Modified: false));
                            continue;
                        }
                        if (SameFlags(next, m.Flags))
                        {
                            chunkResults.Add(new FlagUpdateResult(m.Uid, m.Flags, m.ModSeq, Modified: true));
                            continue;
                        }
                        var modSeq = (folder.GetInt64("HighestModSeq") ?? 1) + 1;
                        folder["HighestModSeq"] = modSeq;
                        var wasSeen = m.HasFlag("\\Seen");
                        var isSeen = next.Contains("\\Seen", StringComparer.OrdinalIgnoreCase);
                        if (wasSeen != isSeen)
                        {
                            folder["Unseen"] = Math.Max(0, (folder.GetInt64("Unseen") ?? 0) + (isSeen ? -1 : 1));
                        }
                        var joined = IndexEntities.JoinFlags(next);
                        actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity(mailboxId, IndexKeys.Message(folderId, m.Uid))
                        {
                            ["Flags"] = joined,
                            ["ModSeq"] = modSeq,
                        }, etag));
                        actions.Add(new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Change(folderId, modSeq))
                        {
                            ["Uid"] = m.Uid,
                            ["Kind"] = "flags",
                            ["Flags"] = joined,
                        }));
                        chunkResults.Add(new FlagUpdateResult(m.Uid, next, modSeq, Modified: true));
                        changes.Add(new FolderChange(modSeq, m.Uid, FolderChangeKind.Flags, IndexEntities.SplitFlags(joined)));
                    }
                    if (actions.Count == 1)
                    {
                        results.AddRange(chunkResults);
                        break;
                    }
                    try
                    {
                        var response = await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                        rows.Folders[folderId] = WithETag(folder, response.Value[0]);
                        results.AddRange(chunkResults);
                        SignalFolderChanged(mailboxId, folderId, DeltaOf(folderRow, folder, changes, []));
                        break;
                    }
                    catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
                    {
                        rows.Forget();
                        if (e.FailedTransactionActionIndex is int i && i >= 1)
                        {
                            messages = await ReadMessagesAsync(mailboxId, folderId, messages.Select(x => x.Message.Uid).ToArray(), cancellationToken).ConfigureAwait(false);
                        }
                        await Backoff(attempt, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            lane.Gate.Release();
        }
        return results;
    }

    /// <summary>Deletes a mailbox's whole index partition and its blobs. Safe to run again after a crash.</summary>
    public async Task DeleteMailboxAsync(string mailboxId, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq '{IndexKeys.Quote(mailboxId)}'";
        var batch = new List<TableTransactionAction>();
        var released = new List<IndexedMessage>();
        TableEntity? box = null;
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "Blob", "Shared", "Holder", "Size", "InternalDate", "Flags"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey == IndexKeys.Box)
            {
                box = e; // deleted last, so a rerun still finds the partition
                continue;
            }
            if (e.RowKey.StartsWith(IndexKeys.MessagePrefix, StringComparison.Ordinal))
            {
                released.Add(IndexEntities.ToMessage(e));
            }
            batch.Add(new(TableTransactionActionType.Delete, e, ETag.All));
            if (batch.Count == MaxOpsPerTransaction)
            {
                await FlushDeletesAsync(batch, released, cancellationToken).ConfigureAwait(false);
            }
        }
        await FlushDeletesAsync(batch, released, cancellationToken).ConfigureAwait(false);
        if (box is not null)
        {
            await _table.DeleteEntityAsync(mailboxId, IndexKeys.Box, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        var lane = _lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lane.Rows(mailboxId).Forget();
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    private async Task FlushDeletesAsync(List<TableTransactionAction> batch, List<IndexedMessage> released, CancellationToken cancellationToken)
    {
        if (batch.Count > 0)
        {
            try
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Someone else deleted part of it; delete the rest one by one.
                foreach (var a in batch)
                {
                    await _table.DeleteEntityAsync(a.Entity.PartitionKey, a.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                }
            }
            batch.Clear();
        }
        foreach (var m in released)
        {
            await _holders.ReleaseAsync(m.BlobName, m.HolderId, m.SharedBlob, cancellationToken).ConfigureAwait(false);
        }
        released.Clear();
    }

    /// <summary>Reads the given messages with their ETags (one range query over the chunk).</summary>
    private async Task<List<(IndexedMessage Message, ETag ETag)>> ReadMessagesAsync(string mailboxId, int folderId, long[] uids, CancellationToken cancellationToken)
    {
        var wanted = uids.ToHashSet();
        var result = new List<(IndexedMessage, ETag)>();
        if (uids.Length == 0)
        {
            return result;
        }
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Message(folderId, uids.Min()), IndexKeys.Message(folderId, uids.Max() + 1));
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["RowKey", "Blob", "Shared", "Holder", "Size", "InternalDate", "Flags", "ModSeq"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var m = IndexEntities.ToMessage(e);
            if (wanted.Contains(m.Uid))
            {
                result.Add((m, e.ETag));
            }
        }
        return result;
    }

    internal static List<string> ApplyFlags(IReadOnlyList<string> current, FlagMode mode, IReadOnlyCollection<string> flags)
    {
        var set = mode == FlagMode.Replace ? new List<string>() : current.ToList();
        foreach (var f in flags)
        {
            var existing = set.FindIndex(x => string.Equals(x, f, StringComparison.OrdinalIgnoreCase));
            if (mode == FlagMode.Remove)
            {
                if (existing >= 0)
                {
                    set.RemoveAt(existing);
                }
            }
            else if (existing < 0)
            {
                set.Add(f);
            }
        }
        return set;
    }

    private static bool SameFlags(List<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.All(x => b.Contains(x, StringComparer.OrdinalIgnoreCase));
}

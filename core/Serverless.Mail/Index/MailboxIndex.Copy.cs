using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

public enum CopyOutcome
{
    Copied,
    NoSuchFolder,
    OverQuota,
}

/// <summary>What COPY/MOVE did: pairs of source and new UIDs in the same order (for UIDPLUS COPYUID).</summary>
public sealed record CopyResult(CopyOutcome Outcome, long UidValidity, IReadOnlyList<long> SourceUids, IReadOnlyList<long> TargetUids);

public sealed partial class MailboxIndex
{
    private const int CopyChunk = 30;             // copy: ≤ 2 operations each + box + folder; move: 3 each + two folders
    private const int HolderRegistrationConcurrency = 8;

    /// <summary>
    /// IMAP COPY: new rows in the target folder that reference the same blobs. A blob that had one
    /// row becomes shared: its holder rows are registered first (docs/storage.md, blob holders), then
    /// one transaction per chunk marks the source rows shared, adds the copies and updates the
    /// target folder and the mailbox totals (quota). A failure part-way removes the copies already
    /// made, so the target is as before (RFC 3501 6.4.7).
    /// </summary>
    public async Task<CopyResult> CopyMessagesAsync(string mailboxId, int fromFolderId, IReadOnlyCollection<long> uids, int toFolderId,
        long? quotaBytes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var source = new List<long>();
        var target = new List<long>();
        long uidValidity = 0;
        try
        {
            foreach (var chunk in uids.Distinct().Order().Chunk(CopyChunk))
            {
                var result = await CopyChunkAsync(mailboxId, fromFolderId, chunk, toFolderId, quotaBytes, cancellationToken).ConfigureAwait(false);
                if (result.Outcome != CopyOutcome.Copied)
                {
                    target.AddRange(result.TargetUids); // a split chunk may have copied its first half
                    await UndoCopiesAsync(mailboxId, toFolderId, target).ConfigureAwait(false);
                    return result with { SourceUids = [], TargetUids = [] };
                }
                uidValidity = result.UidValidity;
                source.AddRange(result.SourceUids);
                target.AddRange(result.TargetUids);
            }
        }
        catch
        {
            await UndoCopiesAsync(mailboxId, toFolderId, target).ConfigureAwait(false);
            throw;
        }
        if (uidValidity == 0)
        {
            var folder = await GetFolderAsync(mailboxId, toFolderId, cancellationToken).ConfigureAwait(false);
            if (folder is null)
            {
                return new CopyResult(CopyOutcome.NoSuchFolder, 0, [], []);
            }
            uidValidity = folder.UidValidity;
        }
        return new CopyResult(CopyOutcome.Copied, uidValidity, source, target);
    }

    private async Task UndoCopiesAsync(string mailboxId, int folderId, List<long> copies)
    {
        if (copies.Count > 0)
        {
            await ExpungeAsync(mailboxId, folderId, copies, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<CopyResult> CopyChunkAsync(string mailboxId, int fromFolderId, long[] chunk, int toFolderId, long? quotaBytes, CancellationToken cancellationToken)
    {
        var messages = await ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
        if (chunk.Length > 1 && messages.Sum(EstimateChars) > MaxPayloadChars)
        {
            // Large summaries: split so the transaction stays under the batch size limit.
            var half = chunk.Length / 2;
            var first = await CopyChunkAsync(mailboxId, fromFolderId, chunk[..half], toFolderId, quotaBytes, cancellationToken).ConfigureAwait(false);
            if (first.Outcome != CopyOutcome.Copied)
            {
                return first;
            }
            var second = await CopyChunkAsync(mailboxId, fromFolderId, chunk[half..], toFolderId, quotaBytes, cancellationToken).ConfigureAwait(false);
            return second.Outcome != CopyOutcome.Copied ? second with { SourceUids = first.SourceUids, TargetUids = first.TargetUids }
                : second with { SourceUids = [.. first.SourceUids, .. second.SourceUids], TargetUids = [.. first.TargetUids, .. second.TargetUids], UidValidity = Math.Max(first.UidValidity, second.UidValidity) };
        }
        // Holder ids stay the same across retries, so registering again is idempotent; the ones no
        // row ends up referencing are removed, so a failed or partial COPY leaks nothing.
        var holders = new Dictionary<string, (string? Source, string Copy)>();
        var registered = new List<(string Blob, string Holder)>();
        var lane = _lanes.For(mailboxId);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                foreach (var m in messages)
                {
                    var shared = m.GetBoolean("Shared") == true;
                    if (!holders.TryGetValue(m.RowKey, out var h))
                    {
                        holders[m.RowKey] = (shared ? null : Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
                    }
                    else if (shared && h.Source is not null)
                    {
                        holders[m.RowKey] = (null, h.Copy); // shared by someone else meanwhile: it has its own holder
                    }
                }
                if (messages.Count == 0)
                {
                    await RemoveHoldersAsync(registered, []).ConfigureAwait(false);
                    return new CopyResult(CopyOutcome.Copied, 0, [], []);
                }
                await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var rows = lane.Rows(mailboxId);
                    rows.Box ??= await GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
                    var folderRow = await CachedFolderRowAsync(mailboxId, rows, toFolderId, cancellationToken).ConfigureAwait(false);
                    if (folderRow is null || rows.Box is null)
                    {
                        await RemoveHoldersAsync(registered, []).ConfigureAwait(false);
                        return new CopyResult(CopyOutcome.NoSuchFolder, 0, [], []);
                    }
                    var box = Clone(rows.Box!);
                    var folder = Clone(folderRow);
                    var total = messages.Sum(m => m.GetInt64("Size") ?? 0);
                    if (quotaBytes is long quota && (box.GetInt64("Bytes") ?? 0) + total > quota)
                    {
                        await RemoveHoldersAsync(registered, []).ConfigureAwait(false);
                        return new CopyResult(CopyOutcome.OverQuota, folder.GetInt64("UidValidity") ?? 0, [], []);
                    }
                    // Holders first: a row marked shared must never lack its holder row, or releasing
                    // another row could delete the blob under it.
                    var needed = messages.SelectMany(m => new[] { holders[m.RowKey].Source, holders[m.RowKey].Copy }
                        .Where(id => id is not null).Select(id => (Blob: m.GetString("Blob") ?? "", Holder: id!))).ToList();
                    var missing = needed.Except(registered).ToList();
                    await RegisterHoldersAsync(missing, cancellationToken).ConfigureAwait(false);
                    registered.AddRange(missing);

                    var actions = new List<TableTransactionAction>
                    {
                        new(TableTransactionActionType.UpdateReplace, box, rows.Box!.ETag),
                        new(TableTransactionActionType.UpdateReplace, folder, folderRow.ETag),
                    };
                    var source = new List<long>();
                    var target = new List<long>();
                    var added = new List<(long Uid, long ModSeq, IReadOnlyList<string> Flags)>();
                    foreach (var m in messages)
                    {
                        var (sourceHolder, copyHolder) = holders[m.RowKey];
                        var uid = folder.GetInt64("UidNext") ?? 1;
                        var modSeq = (folder.GetInt64("HighestModSeq") ?? 1) + 1;
                        var size = m.GetInt64("Size") ?? 0;
                        folder["UidNext"] = uid + 1;
                        folder["HighestModSeq"] = modSeq;
                        folder["Messages"] = (folder.GetInt64("Messages") ?? 0) + 1;
                        folder["Bytes"] = (folder.GetInt64("Bytes") ?? 0) + size;
                        if (!IndexEntities.SplitFlags(m.GetString("Flags")).Contains("\\Seen", StringComparer.OrdinalIgnoreCase))
                        {
                            folder["Unseen"] = (folder.GetInt64("Unseen") ?? 0) + 1;
                        }
                        box["Messages"] = (box.GetInt64("Messages") ?? 0) + 1;
                        box["Bytes"] = (box.GetInt64("Bytes") ?? 0) + size;
                        var copy = CopyOf(m, mailboxId, IndexKeys.Message(toFolderId, uid));
                        copy["ModSeq"] = modSeq;
                        copy["Shared"] = true;
                        copy["Holder"] = copyHolder;
                        actions.Add(new(TableTransactionActionType.Add, copy));
                        if (sourceHolder is not null)
                        {
                            actions.Add(new(TableTransactionActionType.UpdateMerge,
                                new TableEntity(mailboxId, m.RowKey) { ["Shared"] = true, ["Holder"] = sourceHolder }, m.ETag));
                        }
                        source.Add(IndexKeys.UidFromMessageKey(m.RowKey));
                        target.Add(uid);
                        added.Add((uid, modSeq, IndexEntities.SplitFlags(m.GetString("Flags"))));
                    }
                    try
                    {
                        var response = await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                        rows.Box = WithETag(box, response.Value[0]);
                        rows.Folders[toFolderId] = WithETag(folder, response.Value[1]);
                        SignalFolderChanged(mailboxId, toFolderId, DeltaOf(folderRow, folder, [], added));
                        await RemoveHoldersAsync(registered, needed).ConfigureAwait(false); // those registered in an earlier attempt and no longer needed
                        return new CopyResult(CopyOutcome.Copied, folder.GetInt64("UidValidity") ?? 0, source, target);
                    }
                    catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
                    {
                        rows.Forget();
                        LogConflict(mailboxId, e.Status, attempt);
                    }
                }
                finally
                {
                    lane.Gate.Release();
                }
                // A source row changed (flags, shared by someone else) or vanished: read the chunk again.
                messages = await ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
                await Backoff(attempt, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await RemoveHoldersAsync(registered, []).ConfigureAwait(false);
            throw;
        }
    }

    private async Task RemoveHoldersAsync(List<(string Blob, string Holder)> registered, List<(string Blob, string Holder)> keep)
    {
        foreach (var group in registered.Except(keep).GroupBy(r => r.Blob))
        {
            try
            {
                await _holders.RemoveAsync(group.Key, group.Select(g => g.Holder), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException)
            {
                // Left behind, a holder row only keeps a blob alive longer; it never loses one.
            }
        }
    }

    private async Task RegisterHoldersAsync(List<(string Blob, string Holder)> holders, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(HolderRegistrationConcurrency);
        await Task.WhenAll(holders.GroupBy(h => h.Blob).Select(async group =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _holders.AddAsync(group.Key, group.Select(g => g.Holder), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
    }

    /// <summary>
    /// IMAP MOVE (RFC 6851) within one mailbox: per chunk one transaction deletes the source rows,
    /// logs their expunge in the source folder's change log, adds the rows under new UIDs in the
    /// target and updates both folders. Blob references move with the rows; mailbox totals do not
    /// change. Each message is moved exactly once or not at all.
    /// </summary>
    public async Task<CopyResult> MoveMessagesAsync(string mailboxId, int fromFolderId, IReadOnlyCollection<long> uids, int toFolderId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        if (fromFolderId == toFolderId)
        {
            var copied = await CopyMessagesAsync(mailboxId, fromFolderId, uids, toFolderId, null, cancellationToken).ConfigureAwait(false);
            if (copied.Outcome == CopyOutcome.Copied)
            {
                await ExpungeAsync(mailboxId, fromFolderId, copied.SourceUids.ToList(), cancellationToken).ConfigureAwait(false);
            }
            return copied;
        }
        var source = new List<long>();
        var target = new List<long>();
        long uidValidity = 0;
        foreach (var chunk in uids.Distinct().Order().Chunk(CopyChunk))
        {
            var result = await MoveChunkAsync(mailboxId, fromFolderId, chunk, toFolderId, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != CopyOutcome.Copied)
            {
                return result with { SourceUids = [.. source, .. result.SourceUids], TargetUids = [.. target, .. result.TargetUids] };
            }
            if (result.UidValidity != 0)
            {
                uidValidity = result.UidValidity;
            }
            source.AddRange(result.SourceUids);
            target.AddRange(result.TargetUids);
        }
        if (uidValidity == 0)
        {
            var folder = await GetFolderAsync(mailboxId, toFolderId, cancellationToken).ConfigureAwait(false);
            if (folder is null)
            {
                return new CopyResult(CopyOutcome.NoSuchFolder, 0, [], []);
            }
            uidValidity = folder.UidValidity;
        }
        return new CopyResult(CopyOutcome.Copied, uidValidity, source, target);
    }

    private async Task<CopyResult> MoveChunkAsync(string mailboxId, int fromFolderId, long[] chunk, int toFolderId, CancellationToken cancellationToken)
    {
        var messages = await ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
        if (chunk.Length > 1 && messages.Sum(EstimateChars) > MaxPayloadChars)
        {
            var half = chunk.Length / 2;
            var first = await MoveChunkAsync(mailboxId, fromFolderId, chunk[..half], toFolderId, cancellationToken).ConfigureAwait(false);
            if (first.Outcome != CopyOutcome.Copied)
            {
                return first;
            }
            var second = await MoveChunkAsync(mailboxId, fromFolderId, chunk[half..], toFolderId, cancellationToken).ConfigureAwait(false);
            return second.Outcome != CopyOutcome.Copied ? second with { SourceUids = first.SourceUids, TargetUids = first.TargetUids }
                : second with { SourceUids = [.. first.SourceUids, .. second.SourceUids], TargetUids = [.. first.TargetUids, .. second.TargetUids], UidValidity = Math.Max(first.UidValidity, second.UidValidity) };
        }
        var lane = _lanes.For(mailboxId);
        for (var attempt = 0; ; attempt++)
        {
            if (messages.Count == 0)
            {
                return new CopyResult(CopyOutcome.Copied, 0, [], []);
            }
            await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var rows = lane.Rows(mailboxId);
                var fromRow = await CachedFolderRowAsync(mailboxId, rows, fromFolderId, cancellationToken).ConfigureAwait(false);
                var toRow = await CachedFolderRowAsync(mailboxId, rows, toFolderId, cancellationToken).ConfigureAwait(false);
                if (fromRow is null || toRow is null)
                {
                    return new CopyResult(CopyOutcome.NoSuchFolder, 0, [], []);
                }
                var from = Clone(fromRow);
                var to = Clone(toRow);
                var actions = new List<TableTransactionAction>
                {
                    new(TableTransactionActionType.UpdateReplace, from, fromRow.ETag),
                    new(TableTransactionActionType.UpdateReplace, to, toRow.ETag),
                };
                var source = new List<long>();
                var target = new List<long>();
                var expunged = new List<FolderChange>();
                var added = new List<(long Uid, long ModSeq, IReadOnlyList<string> Flags)>();
                foreach (var m in messages)
                {
                    var sourceUid = IndexKeys.UidFromMessageKey(m.RowKey);
                    var size = m.GetInt64("Size") ?? 0;
                    var unseen = !IndexEntities.SplitFlags(m.GetString("Flags")).Contains("\\Seen", StringComparer.OrdinalIgnoreCase);

                    var expungeModSeq = (from.GetInt64("HighestModSeq") ?? 1) + 1;
                    from["HighestModSeq"] = expungeModSeq;
                    from["Messages"] = Math.Max(0, (from.GetInt64("Messages") ?? 0) - 1);
                    from["Bytes"] = Math.Max(0, (from.GetInt64("Bytes") ?? 0) - size);
                    if (unseen)
                    {
                        from["Unseen"] = Math.Max(0, (from.GetInt64("Unseen") ?? 0) - 1);
                    }
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(mailboxId, m.RowKey), m.ETag));
                    actions.Add(new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Change(fromFolderId, expungeModSeq))
                    {
                        ["Uid"] = sourceUid,
                        ["Kind"] = "expunge",
                    }));

                    var uid = to.GetInt64("UidNext") ?? 1;
                    var modSeq = (to.GetInt64("HighestModSeq") ?? 1) + 1;
                    to["UidNext"] = uid + 1;
                    to["HighestModSeq"] = modSeq;
                    to["Messages"] = (to.GetInt64("Messages") ?? 0) + 1;
                    to["Bytes"] = (to.GetInt64("Bytes") ?? 0) + size;
                    if (unseen)
                    {
                        to["Unseen"] = (to.GetInt64("Unseen") ?? 0) + 1;
                    }
                    var moved = CopyOf(m, mailboxId, IndexKeys.Message(toFolderId, uid));
                    moved["ModSeq"] = modSeq;
                    actions.Add(new(TableTransactionActionType.Add, moved));
                    source.Add(sourceUid);
                    target.Add(uid);
                    expunged.Add(new FolderChange(expungeModSeq, sourceUid, FolderChangeKind.Expunge, null));
                    added.Add((uid, modSeq, IndexEntities.SplitFlags(m.GetString("Flags"))));
                }
                try
                {
                    var response = await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    rows.Folders[fromFolderId] = WithETag(from, response.Value[0]);
                    rows.Folders[toFolderId] = WithETag(to, response.Value[1]);
                    SignalFolderChanged(mailboxId, fromFolderId, DeltaOf(fromRow, from, expunged, []));
                    SignalFolderChanged(mailboxId, toFolderId, DeltaOf(toRow, to, [], added));
                    return new CopyResult(CopyOutcome.Copied, to.GetInt64("UidValidity") ?? 0, source, target);
                }
                catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
                {
                    rows.Forget();
                    LogConflict(mailboxId, e.Status, attempt);
                }
            }
            finally
            {
                lane.Gate.Release();
            }
            messages = await ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
            await Backoff(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TableEntity?> CachedFolderRowAsync(string mailboxId, MailboxLanes.CachedRows rows, int folderId, CancellationToken cancellationToken)
    {
        if (!rows.Folders.TryGetValue(folderId, out var row))
        {
            row = await GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
            if (row is not null)
            {
                rows.Folders[folderId] = row;
            }
        }
        return row;
    }

    /// <summary>Whole message rows (summary included) with their ETags, for the UIDs that exist.</summary>
    private async Task<List<TableEntity>> ReadMessageEntitiesAsync(string mailboxId, int folderId, long[] uids, CancellationToken cancellationToken)
    {
        var wanted = uids.ToHashSet();
        var result = new List<TableEntity>();
        if (uids.Length == 0)
        {
            return result;
        }
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Message(folderId, uids.Min()), IndexKeys.Message(folderId, uids.Max() + 1));
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(IndexKeys.UidFromMessageKey(e.RowKey)))
            {
                result.Add(e);
            }
        }
        return result;
    }

    private static TableEntity CopyOf(TableEntity source, string mailboxId, string rowKey)
    {
        var copy = new TableEntity(mailboxId, rowKey);
        foreach (var (k, v) in source)
        {
            if (k is not ("PartitionKey" or "RowKey" or "odata.etag" or "Timestamp"))
            {
                copy[k] = v;
            }
        }
        return copy;
    }
}

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

/// <summary>
/// IMAP COPY: new rows in the target folder that reference the same blobs (a message kept in its
/// row is copied with its bytes: no blob, no holder). A blob that had one
/// row becomes shared: its holder rows are registered first (docs/storage.md, blob holders), then
/// one transaction per chunk marks the source rows shared, adds the copies and updates the
/// target folder and the mailbox totals (quota). A failure part-way removes the copies already
/// made, so the target is as before (RFC 3501 6.4.7).
/// </summary>
internal sealed class MessageCopier(IndexTable index, FolderCatalog catalog, ChangeLog changeLog)
{
    /// <summary>copy: ≤ 2 operations each + box + folder; move: 3 each + two folders.</summary>
    public const int Chunk = 30;

    private const int HolderRegistrationConcurrency = 8;

    public async Task<CopyResult> CopyMessagesAsync(string mailboxId, int fromFolderId, IReadOnlyCollection<long> uids, int toFolderId,
        long? quotaBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var source = new List<long>();
        var target = new List<long>();
        long uidValidity = 0;
        try
        {
            foreach (var chunk in uids.Distinct().Order().Chunk(Chunk))
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
            var folder = await catalog.GetFolderAsync(mailboxId, toFolderId, cancellationToken).ConfigureAwait(false);
            if (folder is null)
            {
                return new CopyResult(CopyOutcome.NoSuchFolder, 0, [], []);
            }
            uidValidity = folder.UidValidity;
        }
        return new CopyResult(CopyOutcome.Copied, uidValidity, source, target);
    }

    /// <summary>
    /// Runs a chunk whose rows are too large for one transaction as two halves; on a failure in
    /// the second the result carries the first half's UIDs (copied or moved already).
    /// </summary>
    public static async Task<CopyResult> InHalvesAsync(long[] chunk, Func<long[], Task<CopyResult>> run)
    {
        var half = chunk.Length / 2;
        var first = await run(chunk[..half]).ConfigureAwait(false);
        if (first.Outcome != CopyOutcome.Copied)
        {
            return first;
        }
        var second = await run(chunk[half..]).ConfigureAwait(false);
        return second.Outcome != CopyOutcome.Copied ? second with { SourceUids = first.SourceUids, TargetUids = first.TargetUids }
            : second with { SourceUids = [.. first.SourceUids, .. second.SourceUids], TargetUids = [.. first.TargetUids, .. second.TargetUids], UidValidity = Math.Max(first.UidValidity, second.UidValidity) };
    }

    private async Task UndoCopiesAsync(string mailboxId, int folderId, List<long> copies)
    {
        if (copies.Count > 0)
        {
            await changeLog.ExpungeAsync(mailboxId, folderId, copies, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<CopyResult> CopyChunkAsync(string mailboxId, int fromFolderId, long[] chunk, int toFolderId, long? quotaBytes, CancellationToken cancellationToken)
    {
        var messages = await index.ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
        if (chunk.Length > 1 && IndexTable.TooLargeForOneTransaction(messages))
        {
            // Large summaries: split so the transaction stays under the batch size limit.
            return await InHalvesAsync(chunk, half => CopyChunkAsync(mailboxId, fromFolderId, half, toFolderId, quotaBytes, cancellationToken)).ConfigureAwait(false);
        }
        if (messages.Count == 0)
        {
            return new CopyResult(CopyOutcome.Copied, 0, [], []); // nothing left to copy: no need to wait for the lane
        }
        // Holder ids stay the same across retries, so registering again is idempotent; the ones no
        // row ends up referencing are removed, so a failed or partial COPY leaks nothing.
        var holders = new Dictionary<string, (string? Source, string Copy)>();
        var registered = new List<(string Blob, string Holder)>();
        List<(string Blob, string Holder)> kept = [];
        var lane = index.Lanes.For(mailboxId);
        try
        {
            var result = await ETagRetry.RunAsync(async attempt =>
            {
                if (attempt > 0)
                {
                    // A source row changed (flags, shared by someone else) or vanished: read the chunk again.
                    messages = await index.ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
                }
                foreach (var m in messages.Where(m => !KeepsItsBytes(m)))
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
                    return new CopyResult(CopyOutcome.Copied, 0, [], []);
                }
                var rows = lane.Rows(mailboxId);
                rows.Box ??= await index.GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
                var folderRow = await index.CachedFolderRowAsync(mailboxId, rows, toFolderId, cancellationToken).ConfigureAwait(false);
                if (folderRow is null || rows.Box is null)
                {
                    return new CopyResult(CopyOutcome.NoSuchFolder, 0, [], []);
                }
                var box = IndexTable.Clone(rows.Box!);
                var folder = IndexTable.Clone(folderRow);
                var total = messages.Sum(m => m.GetInt64("Size") ?? 0);
                if (quotaBytes is long quota && (box.GetInt64("Bytes") ?? 0) + total > quota)
                {
                    return new CopyResult(CopyOutcome.OverQuota, folder.GetInt64("UidValidity") ?? 0, [], []);
                }
                // Holders first: a row marked shared must never lack its holder row, or releasing
                // another row could delete the blob under it.
                var needed = messages.Where(m => !KeepsItsBytes(m)).SelectMany(m => new[] { holders[m.RowKey].Source, holders[m.RowKey].Copy }
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
                    var (sourceHolder, copyHolder) = KeepsItsBytes(m) ? (null, null) : holders[m.RowKey];
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
                    var copy = IndexTable.CopyOf(m, mailboxId, IndexKeys.Message(toFolderId, uid));
                    copy["ModSeq"] = modSeq;
                    copy["Saved"] = DateTimeOffset.UtcNow; // saved into the target folder now (RFC 8514)
                    if (copyHolder is not null)
                    {
                        copy["Shared"] = true;
                        copy["Holder"] = copyHolder;
                    }
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
                var response = await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                rows.Box = IndexTable.WithETag(box, response.Value[0]);
                rows.Folders[toFolderId] = IndexTable.WithETag(folder, response.Value[1]);
                index.Signals.Raise(mailboxId, toFolderId, FolderSignals.DeltaOf(folderRow, folder, [], added));
                kept = needed;
                return new CopyResult(CopyOutcome.Copied, folder.GetInt64("UidValidity") ?? 0, source, target);
            },
            ETagRetry.TransactionConflict,
            (e, attempt) => ETagRetry.Pause(() =>
            {
                lane.Rows(mailboxId).Forget();
                index.LogConflict(mailboxId, e.Status, attempt);
            }),
            cancellationToken, lane.Gate).ConfigureAwait(false);
            await RemoveHoldersAsync(registered, kept).ConfigureAwait(false); // registered in an earlier attempt and no longer needed
            return result;
        }
        catch
        {
            await RemoveHoldersAsync(registered, []).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A row-kept message (no blob): its copy carries the bytes itself, so nothing is shared and no holder is needed.</summary>
    private static bool KeepsItsBytes(TableEntity m) => m.GetBoolean(IndexEntities.InlineColumn) == true;

    private async Task RemoveHoldersAsync(List<(string Blob, string Holder)> registered, List<(string Blob, string Holder)> keep)
    {
        foreach (var group in registered.Except(keep).GroupBy(r => r.Blob))
        {
            try
            {
                await index.Holders.RemoveAsync(group.Key, group.Select(g => g.Holder), CancellationToken.None).ConfigureAwait(false);
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
                await index.Holders.AddAsync(group.Key, group.Select(g => g.Holder), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
    }
}

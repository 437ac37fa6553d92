using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// STORE and EXPUNGE: writes that change or remove a folder's messages. Each moves the folder's
/// HIGHESTMODSEQ and records the change under its MODSEQ in the folder's change log (c|… rows),
/// which other sessions read to follow it.
/// </summary>
internal sealed class ChangeLog(IndexTable index)
{
    private const int MessagesPerChunk = 45; // two rows each plus two counters stay under 100 operations

    /// <summary>Flag changes and expunges after <paramref name="sinceModSeq"/>, oldest first (one range query, paged).</summary>
    public async Task<IReadOnlyList<FolderChange>> GetChangesAsync(string mailboxId, int folderId, long sinceModSeq, CancellationToken cancellationToken)
    {
        var result = new List<FolderChange>();
        await foreach (var change in ReadChangesAsync(mailboxId, folderId, sinceModSeq, cancellationToken).ConfigureAwait(false))
        {
            result.Add(change);
        }
        return result;
    }

    /// <summary>
    /// The same, streamed: the range query is read <see cref="IndexTable.ChangeLogPageSize"/> rows
    /// a page, so a client resynchronising from long ago never makes the listener hold the whole log.
    /// </summary>
    public async IAsyncEnumerable<FolderChange> ReadChangesAsync(string mailboxId, int folderId, long sinceModSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Change(folderId, sinceModSeq + 1), IndexKeys.ChangeRangeStart(folderId) + "~");
        var pages = index.Table.QueryAsync<TableEntity>(filter, maxPerPage: index.ChangeLogPageSize, select: ["RowKey", "Uid", "Kind", "Flags"],
            cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            foreach (var e in page.Values)
            {
                var modSeq = long.Parse(e.RowKey.AsSpan(e.RowKey.LastIndexOf('|') + 1), CultureInfo.InvariantCulture);
                var kind = e.GetString("Kind") == "expunge" ? FolderChangeKind.Expunge : FolderChangeKind.Flags;
                yield return new FolderChange(modSeq, e.GetInt64("Uid") ?? 0, kind, kind == FolderChangeKind.Flags ? IndexEntities.SplitFlags(e.GetString("Flags")) : null);
            }
        }
    }

    /// <summary>
    /// Removes messages from a folder (IMAP EXPUNGE, POP3 QUIT) and records each removal in the
    /// folder's change log so other sessions learn of it. Returns the UIDs actually removed.
    /// The blobs go after the index rows, so a crash in between leaks a blob but never leaves a
    /// row pointing at nothing.
    /// </summary>
    public async Task<IReadOnlyList<long>> ExpungeAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var removed = new List<IndexedMessage>();
        var lane = index.Lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            foreach (var chunk in uids.Distinct().Order().Chunk(MessagesPerChunk))
            {
                var messages = await ReadMessagesAsync(mailboxId, folderId, chunk, cancellationToken).ConfigureAwait(false);
                var folderGone = await ETagRetry.RunAsync(async attempt =>
                {
                    if (messages.Count == 0)
                    {
                        return false;
                    }
                    rows.Box ??= await index.GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
                    if (!rows.Folders.TryGetValue(folderId, out var folderRow))
                    {
                        folderRow = await index.GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
                        if (folderRow is null || rows.Box is null)
                        {
                            return true;
                        }
                        rows.Folders[folderId] = folderRow;
                    }
                    var box = IndexTable.Clone(rows.Box!);
                    var folder = IndexTable.Clone(folderRow);
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
                    var response = await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    rows.Box = IndexTable.WithETag(box, response.Value[0]);
                    rows.Folders[folderId] = IndexTable.WithETag(folder, response.Value[1]);
                    removed.AddRange(messages.Select(x => x.Message));
                    // Per transaction and in order (still inside the lane), so each delta follows the last.
                    index.Signals.Raise(mailboxId, folderId, FolderSignals.DeltaOf(folderRow, folder, changes, []));
                    return false;
                },
                ETagRetry.TransactionConflict,
                async (e, _) =>
                {
                    rows.Forget();
                    if ((e as TableTransactionFailedException)?.FailedTransactionActionIndex is int i && i >= 2)
                    {
                        // A message row changed or vanished under us: read this chunk again.
                        messages = await ReadMessagesAsync(mailboxId, folderId, messages.Select(x => x.Message.Uid).ToArray(), cancellationToken).ConfigureAwait(false);
                    }
                    return AfterConflict.Pause;
                },
                cancellationToken).ConfigureAwait(false);
                if (folderGone)
                {
                    return removed.Select(m => m.Uid).ToList();
                }
            }
        }
        finally
        {
            lane.Gate.Release();
        }
        foreach (var m in removed)
        {
            await index.Holders.ReleaseAsync(m.BlobName, m.HolderId, m.SharedBlob, CancellationToken.None).ConfigureAwait(false);
        }
        return removed.Select(m => m.Uid).ToList();
    }

    /// <summary>
    /// Changes flags (IMAP STORE). With <paramref name="unchangedSince"/> (CONDSTORE), messages whose
    /// MODSEQ is higher are left alone and reported with <c>Modified = false</c> and their current flags.
    /// </summary>
    public async Task<IReadOnlyList<FlagUpdateResult>> StoreFlagsAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, FlagMode mode,
        IReadOnlyCollection<string> flags, long? unchangedSince, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(flags);
        var results = new List<FlagUpdateResult>();
        var lane = index.Lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            // One folder row plus two rows (message, change) per message must stay within 100 operations.
            foreach (var chunk in uids.Distinct().Order().Chunk((IndexTable.MaxOpsPerTransaction - 1) / 2))
            {
                var messages = await ReadMessagesAsync(mailboxId, folderId, chunk, cancellationToken).ConfigureAwait(false);
                var folderGone = await ETagRetry.RunAsync(async attempt =>
                {
                    if (!rows.Folders.TryGetValue(folderId, out var folderRow))
                    {
                        folderRow = await index.GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
                        if (folderRow is null)
                        {
                            return true;
                        }
                        rows.Folders[folderId] = folderRow;
                    }
                    var folder = IndexTable.Clone(folderRow);
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
                        results.AddRange(chunkResults); // nothing to write
                        return false;
                    }
                    var response = await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    rows.Folders[folderId] = IndexTable.WithETag(folder, response.Value[0]);
                    results.AddRange(chunkResults);
                    index.Signals.Raise(mailboxId, folderId, FolderSignals.DeltaOf(folderRow, folder, changes, []));
                    return false;
                },
                ETagRetry.TransactionConflict,
                async (e, _) =>
                {
                    rows.Forget();
                    if ((e as TableTransactionFailedException)?.FailedTransactionActionIndex is int i && i >= 1)
                    {
                        messages = await ReadMessagesAsync(mailboxId, folderId, messages.Select(x => x.Message.Uid).ToArray(), cancellationToken).ConfigureAwait(false);
                    }
                    return AfterConflict.Pause;
                },
                cancellationToken).ConfigureAwait(false);
                if (folderGone)
                {
                    return results;
                }
            }
        }
        finally
        {
            lane.Gate.Release();
        }
        return results;
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
        await foreach (var e in index.Table.QueryAsync<TableEntity>(filter, select: ["RowKey", "Blob", "Shared", "Holder", "Size", "InternalDate", "Flags", "ModSeq"], cancellationToken: cancellationToken).ConfigureAwait(false))
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

using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// IMAP MOVE (RFC 6851) within one mailbox: per chunk one transaction deletes the source rows,
/// logs their expunge in the source folder's change log, adds the rows under new UIDs in the
/// target and updates both folders. Blob references move with the rows; mailbox totals do not
/// change. Each message is moved exactly once or not at all.
/// </summary>
internal sealed class MessageMover(IndexTable index, FolderCatalog catalog, ChangeLog changeLog, MessageCopier copier)
{
    public async Task<CopyResult> MoveMessagesAsync(string mailboxId, int fromFolderId, IReadOnlyCollection<long> uids, int toFolderId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        if (fromFolderId == toFolderId)
        {
            var copied = await copier.CopyMessagesAsync(mailboxId, fromFolderId, uids, toFolderId, null, cancellationToken).ConfigureAwait(false);
            if (copied.Outcome == CopyOutcome.Copied)
            {
                await changeLog.ExpungeAsync(mailboxId, fromFolderId, copied.SourceUids.ToList(), cancellationToken).ConfigureAwait(false);
            }
            return copied;
        }
        var source = new List<long>();
        var target = new List<long>();
        long uidValidity = 0;
        foreach (var chunk in uids.Distinct().Order().Chunk(MessageCopier.Chunk))
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
            var folder = await catalog.GetFolderAsync(mailboxId, toFolderId, cancellationToken).ConfigureAwait(false);
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
        var messages = await index.ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
        if (chunk.Length > 1 && IndexTable.TooLargeForOneTransaction(messages))
        {
            return await MessageCopier.InHalvesAsync(chunk, half => MoveChunkAsync(mailboxId, fromFolderId, half, toFolderId, cancellationToken)).ConfigureAwait(false);
        }
        if (messages.Count == 0)
        {
            return new CopyResult(CopyOutcome.Copied, 0, [], []); // nothing left to move: no need to wait for the lane
        }
        var lane = index.Lanes.For(mailboxId);
        return await ETagRetry.RunAsync(async attempt =>
        {
            if (attempt > 0)
            {
                // A source row changed or vanished: read the chunk again.
                messages = await index.ReadMessageEntitiesAsync(mailboxId, fromFolderId, chunk, cancellationToken).ConfigureAwait(false);
                if (messages.Count == 0)
                {
                    return new CopyResult(CopyOutcome.Copied, 0, [], []);
                }
            }
            var rows = lane.Rows(mailboxId);
            var fromRow = await index.CachedFolderRowAsync(mailboxId, rows, fromFolderId, cancellationToken).ConfigureAwait(false);
            var toRow = await index.CachedFolderRowAsync(mailboxId, rows, toFolderId, cancellationToken).ConfigureAwait(false);
            if (fromRow is null || toRow is null)
            {
                return new CopyResult(CopyOutcome.NoSuchFolder, 0, [], []);
            }
            var from = IndexTable.Clone(fromRow);
            var to = IndexTable.Clone(toRow);
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
                var moved = IndexTable.CopyOf(m, mailboxId, IndexKeys.Message(toFolderId, uid));
                moved["ModSeq"] = modSeq;
                moved["Saved"] = DateTimeOffset.UtcNow; // saved into the target folder now (RFC 8514)
                actions.Add(new(TableTransactionActionType.Add, moved));
                source.Add(sourceUid);
                target.Add(uid);
                expunged.Add(new FolderChange(expungeModSeq, sourceUid, FolderChangeKind.Expunge, null));
                added.Add((uid, modSeq, IndexEntities.SplitFlags(m.GetString("Flags"))));
            }
            var response = await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            rows.Folders[fromFolderId] = IndexTable.WithETag(from, response.Value[0]);
            rows.Folders[toFolderId] = IndexTable.WithETag(to, response.Value[1]);
            index.Signals.Raise(mailboxId, fromFolderId, FolderSignals.DeltaOf(fromRow, from, expunged, []));
            index.Signals.Raise(mailboxId, toFolderId, FolderSignals.DeltaOf(toRow, to, [], added));
            return new CopyResult(CopyOutcome.Copied, to.GetInt64("UidValidity") ?? 0, source, target);
        },
        ETagRetry.TransactionConflict,
        (e, attempt) => ETagRetry.Pause(() =>
        {
            lane.Rows(mailboxId).Forget();
            index.LogConflict(mailboxId, e.Status, attempt);
        }),
        cancellationToken, lane.Gate).ConfigureAwait(false);
    }
}

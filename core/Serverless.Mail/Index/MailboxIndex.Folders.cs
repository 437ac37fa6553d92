using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

public enum FolderRenameOutcome
{
    Renamed,
    NotFound,
    AlreadyExists,

    /// <summary>The new name lies under the old one.</summary>
    Invalid,
}

public sealed partial class MailboxIndex
{
    private const int FoldersPerRenameTransaction = 30; // three operations each

    /// <summary>
    /// Renames a folder and every folder below it (RFC 3501 6.3.5), creating missing parents of
    /// the new name. Folder ids, UIDVALIDITY and messages stay as they are. Renaming INBOX moves
    /// its messages into a new folder and leaves INBOX empty; folders below INBOX stay where they are.
    /// </summary>
    public async Task<FolderRenameOutcome> RenameFolderAsync(string mailboxId, string from, string to, CancellationToken cancellationToken = default)
    {
        from = NormalizeName(from);
        to = NormalizeName(to);
        if (to == "INBOX" || to == from)
        {
            return FolderRenameOutcome.AlreadyExists;
        }
        if (to.StartsWith(from + "/", StringComparison.Ordinal))
        {
            return FolderRenameOutcome.Invalid;
        }
        var folders = await ListFoldersAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var byName = folders.ToDictionary(f => f.Name, StringComparer.Ordinal);
        if (!byName.TryGetValue(from, out var source))
        {
            return FolderRenameOutcome.NotFound;
        }
        if (from == "INBOX")
        {
            return await RenameInboxAsync(mailboxId, to, byName, cancellationToken).ConfigureAwait(false);
        }
        var moving = folders.Where(f => f.Name == from || f.Name.StartsWith(from + "/", StringComparison.Ordinal)).ToList();
        var renames = moving.Select(f => (Folder: f, NewName: to + f.Name[from.Length..])).ToList();
        if (renames.Any(r => byName.ContainsKey(r.NewName)))
        {
            return FolderRenameOutcome.AlreadyExists;
        }
        await CreateParentsAsync(mailboxId, to, byName, cancellationToken).ConfigureAwait(false);

        var lane = _lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lane.Rows(mailboxId).Forget(); // folder rows change under every cached copy
            var first = true;
            foreach (var chunk in renames.Chunk(FoldersPerRenameTransaction))
            {
                var actions = new List<TableTransactionAction>();
                foreach (var (folder, newName) in chunk)
                {
                    actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity(mailboxId, IndexKeys.Folder(folder.FolderId)) { ["Name"] = newName }, ETag.All));
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(mailboxId, IndexKeys.Name(folder.Name)), ETag.All));
                    actions.Add(new(TableTransactionActionType.Add, new TableEntity(mailboxId, IndexKeys.Name(newName)) { ["FolderId"] = folder.FolderId }));
                }
                try
                {
                    await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException e) when (first && e.Status == 409)
                {
                    return FolderRenameOutcome.AlreadyExists; // created meanwhile; nothing was changed
                }
                catch (TableTransactionFailedException e) when (first && e.Status == 404)
                {
                    return FolderRenameOutcome.NotFound; // renamed or deleted meanwhile
                }
                first = false;
            }
        }
        finally
        {
            lane.Gate.Release();
        }
        return FolderRenameOutcome.Renamed;
    }

    private async Task<FolderRenameOutcome> RenameInboxAsync(string mailboxId, string to, Dictionary<string, FolderInfo> byName, CancellationToken cancellationToken)
    {
        if (byName.ContainsKey(to))
        {
            return FolderRenameOutcome.AlreadyExists;
        }
        await CreateParentsAsync(mailboxId, to, byName, cancellationToken).ConfigureAwait(false);
        var target = await CreateFolderAsync(mailboxId, to, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (target is null)
        {
            return FolderRenameOutcome.AlreadyExists;
        }
        var uids = new List<long>();
        await foreach (var m in ListViewEntriesAsync(mailboxId, SpecialUse.InboxId, 1, cancellationToken).ConfigureAwait(false))
        {
            uids.Add(m.Uid);
        }
        if (uids.Count > 0)
        {
            await MoveMessagesAsync(mailboxId, SpecialUse.InboxId, uids, target.FolderId, cancellationToken).ConfigureAwait(false);
        }
        return FolderRenameOutcome.Renamed;
    }

    /// <summary>Creates the missing superior names of <paramref name="name"/> ("a" and "a/b" for "a/b/c").</summary>
    private async Task CreateParentsAsync(string mailboxId, string name, Dictionary<string, FolderInfo> byName, CancellationToken cancellationToken)
    {
        var parts = name.Split('/');
        for (var i = 1; i < parts.Length; i++)
        {
            var parent = string.Join('/', parts[..i]);
            if (parent.Length > 0 && !byName.ContainsKey(parent))
            {
                await CreateFolderAsync(mailboxId, parent, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Deletes a folder with its messages (RFC 3501 6.3.4; the caller refuses INBOX). Messages go
    /// through <see cref="ExpungeAsync"/> so counters, quota and blobs stay right; the folder and
    /// name rows go last, in one transaction guarded by the folder row's ETag, so a message
    /// appended meanwhile is expunged too rather than orphaned. Returns false if there is no such folder.
    /// </summary>
    public async Task<bool> DeleteFolderAsync(string mailboxId, int folderId, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var folder = await GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
            if (folder is null)
            {
                return false;
            }
            var uids = new List<long>();
            await foreach (var m in ListViewEntriesAsync(mailboxId, folderId, 1, cancellationToken).ConfigureAwait(false))
            {
                uids.Add(m.Uid);
            }
            if (uids.Count > 0)
            {
                await ExpungeAsync(mailboxId, folderId, uids, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var lane = _lanes.For(mailboxId);
            await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lane.Rows(mailboxId).Forget();
                await _table.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.Delete, new TableEntity(mailboxId, folder.RowKey), folder.ETag),
                    new(TableTransactionActionType.Delete, new TableEntity(mailboxId, IndexKeys.Name(folder.GetString("Name") ?? "")), ETag.All),
                ], cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412 && attempt < MaxAttempts)
            {
                continue; // changed meanwhile (a new message, a rename): look again
            }
            finally
            {
                lane.Gate.Release();
            }
            SignalFolderChanged(mailboxId, folderId);
            // Leftovers under a folder id that is never reused: the change log and the view snapshot.
            await DeleteRangeAsync(mailboxId, IndexKeys.ChangeRangeStart(folderId), cancellationToken).ConfigureAwait(false);
            await DeleteRangeAsync(mailboxId, FormattableString.Invariant($"{ViewPrefix}{folderId:D6}|"), cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    private async Task DeleteRangeAsync(string mailboxId, string prefix, CancellationToken cancellationToken)
    {
        var batch = new List<TableTransactionAction>();
        var filter = IndexKeys.Range(mailboxId, prefix, prefix[..^1] + (char)(prefix[^1] + 1));
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            batch.Add(new(TableTransactionActionType.Delete, e, ETag.All));
            if (batch.Count == MaxOpsPerTransaction)
            {
                await SubmitDeletesAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        await SubmitDeletesAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    private async Task SubmitDeletesAsync(List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            await _table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            // Someone deleted part of it already; the rest goes on the next cleanup.
        }
        batch.Clear();
    }

    /// <summary>SUBSCRIBE / UNSUBSCRIBE. Returns false if there is no such folder.</summary>
    public async Task<bool> SetSubscribedAsync(string mailboxId, int folderId, bool subscribed, CancellationToken cancellationToken = default)
    {
        var lane = _lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lane.Rows(mailboxId).Folders.Remove(folderId);
            await _table.UpdateEntityAsync(new TableEntity(mailboxId, IndexKeys.Folder(folderId)) { ["Subscribed"] = subscribed }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    /// <summary>
    /// Claims the folder's \Recent messages for one session (RFC 3501 2.3.2: a message is recent
    /// in exactly one session): returns the UID range [From, To) that was recent and moves the
    /// folder's RecentFromUid to its UIDNEXT, guarded by the ETag of <paramref name="folder"/> (the
    /// row the session just read). Costs nothing when there is nothing new.
    /// </summary>
    public async Task<(long From, long To)> ClaimRecentAsync(string mailboxId, FolderInfo folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var lane = _lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            var (from, next, etag) = (folder.RecentFromUid, folder.UidNext, folder.ETag);
            for (var attempt = 0; ; attempt++)
            {
                if (from >= next)
                {
                    return (next, next);
                }
                try
                {
                    var response = await _table.UpdateEntityAsync(new TableEntity(mailboxId, IndexKeys.Folder(folder.FolderId)) { ["RecentFromUid"] = next },
                        etag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                    // Keep this process's cached copy usable for the next delivery if it was the same version.
                    if (rows.Folders.TryGetValue(folder.FolderId, out var cached) && cached.ETag == etag && response.Headers.ETag is { } fresh)
                    {
                        cached["RecentFromUid"] = next;
                        cached.ETag = fresh;
                    }
                    else
                    {
                        rows.Folders.Remove(folder.FolderId);
                    }
                    return (from, next);
                }
                catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
                {
                    var row = await GetEntityAsync(mailboxId, IndexKeys.Folder(folder.FolderId), cancellationToken).ConfigureAwait(false);
                    if (row is null)
                    {
                        return (0, 0);
                    }
                    (from, next, etag) = (row.GetInt64("RecentFromUid") ?? 1, row.GetInt64("UidNext") ?? 1, row.ETag);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    return (0, 0);
                }
            }
        }
        finally
        {
            lane.Gate.Release();
        }
    }
}

using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Model;

namespace Serverless.Mail.Index;

/// <summary>
/// The mailbox's folder list: the mailbox row (totals, next folder id), one row per folder with
/// its IMAP counters and one name row per folder; creating the mailbox and its folders,
/// SUBSCRIBE and the \Recent claim.
/// </summary>
internal sealed class FolderCatalog(IndexTable index)
{
    /// <summary>Creates the index of a new mailbox with the default folders. Idempotent.</summary>
    public async Task CreateMailboxAsync(string mailboxId, CancellationToken cancellationToken)
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
            await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // Already created (a retried request): the index exists with its folders.
        }
    }

    public async Task<bool> MailboxExistsAsync(string mailboxId, CancellationToken cancellationToken) =>
        await index.GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false) is not null;

    public async Task<MailboxUsage?> GetUsageAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var box = await index.GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false);
        return box is null ? null : new MailboxUsage(box.GetInt64("Messages") ?? 0, box.GetInt64("Bytes") ?? 0);
    }

    /// <summary>All folders of a mailbox with their counters: one range query.</summary>
    public async Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string mailboxId, CancellationToken cancellationToken) =>
        (await ListFoldersAndSubscriptionsAsync(mailboxId, cancellationToken).ConfigureAwait(false)).Folders;

    /// <summary>The folders and the subscriptions kept for names without a folder: one range query.</summary>
    public async Task<FolderListing> ListFoldersAndSubscriptionsAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var folders = new List<FolderInfo>();
        var subscriptions = new List<string>();
        var filter = IndexKeys.Range(mailboxId, IndexKeys.FolderPrefix, "f}");
        await foreach (var e in index.Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey.StartsWith(IndexKeys.SubscriptionPrefix, StringComparison.Ordinal))
            {
                subscriptions.Add(e.GetString("Name") ?? "");
            }
            else
            {
                folders.Add(IndexEntities.ToFolder(e));
            }
        }
        return new FolderListing(folders, subscriptions);
    }

    public async Task<FolderInfo?> GetFolderAsync(string mailboxId, int folderId, CancellationToken cancellationToken)
    {
        var e = await index.GetEntityAsync(mailboxId, IndexKeys.Folder(folderId), cancellationToken).ConfigureAwait(false);
        return e is null ? null : IndexEntities.ToFolder(e);
    }

    /// <summary>Finds a folder by name ("INBOX" in any case). Two point reads.</summary>
    public async Task<FolderInfo?> FindFolderAsync(string mailboxId, string name, CancellationToken cancellationToken)
    {
        var nameRow = await index.GetEntityAsync(mailboxId, IndexKeys.Name(FolderNames.Normalize(name)), cancellationToken).ConfigureAwait(false);
        if (nameRow?.GetInt32("FolderId") is not int id)
        {
            return null;
        }
        return await GetFolderAsync(mailboxId, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a folder. Returns null if the name exists already.</summary>
    public async Task<FolderInfo?> CreateFolderAsync(string mailboxId, string name, string? specialUse, bool subscribed, CancellationToken cancellationToken)
    {
        name = FolderNames.Normalize(name);
        var lane = index.Lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            return await ETagRetry.RunAsync(async attempt =>
            {
                var box = rows.Box ?? await index.GetEntityAsync(mailboxId, IndexKeys.Box, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Mailbox {mailboxId} has no index.");
                var next = IndexTable.Clone(box);
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
                    var response = await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    rows.Box = IndexTable.WithETag(next, response.Value[0]);
                    return folder with { ETag = response.Value[1].Headers.ETag ?? default };
                }
                catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == 2)
                {
                    rows.Forget();
                    return null; // the name row exists
                }
            },
            e => e is TableTransactionFailedException && e.Status is 409 or 412,
            (_, _) => ETagRetry.Pause(rows.Forget),
            cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    /// <summary>SUBSCRIBE / UNSUBSCRIBE. Returns false if there is no such folder.</summary>
    public async Task<bool> SetSubscribedAsync(string mailboxId, int folderId, bool subscribed, CancellationToken cancellationToken)
    {
        var lane = index.Lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lane.Rows(mailboxId).Folders.Remove(folderId);
            await index.Table.UpdateEntityAsync(new TableEntity(mailboxId, IndexKeys.Folder(folderId)) { ["Subscribed"] = subscribed }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
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
    /// Drops the subscription kept for a name without a folder (UNSUBSCRIBE). Returns false if there
    /// was none.
    /// </summary>
    public async Task<bool> RemoveKeptSubscriptionAsync(string mailboxId, string name, CancellationToken cancellationToken)
    {
        var response = await index.Table.DeleteEntityAsync(mailboxId, IndexKeys.Subscription(FolderNames.Normalize(name)), ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    /// <summary>
    /// Claims the folder's \Recent messages for one session (RFC 3501 2.3.2: a message is recent
    /// in exactly one session): returns the UID range [From, To) that was recent and moves the
    /// folder's RecentFromUid to its UIDNEXT, guarded by the ETag of <paramref name="folder"/> (the
    /// row the session just read). Costs nothing when there is nothing new.
    /// </summary>
    public async Task<(long From, long To)> ClaimRecentAsync(string mailboxId, FolderInfo folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var lane = index.Lanes.For(mailboxId);
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = lane.Rows(mailboxId);
            var (from, next, etag) = (folder.RecentFromUid, folder.UidNext, folder.ETag);
            // This process's writes to the mailbox keep the lane's copy of the folder row at its
            // latest ETag; the session's row was read before them. Starting from the session's copy
            // made most claims on a busy folder fail with 412 and read the row again (imaptest:
            // 77 of 104 claims); a copy written by another process still gets 412 and a read.
            if (rows.Folders.TryGetValue(folder.FolderId, out var latest) && latest.ETag != folder.ETag
                && (latest.GetInt64("HighestModSeq") ?? 0) >= folder.HighestModSeq && (latest.GetInt64("UidNext") ?? 1) >= folder.UidNext)
            {
                (from, next, etag) = (latest.GetInt64("RecentFromUid") ?? 1, latest.GetInt64("UidNext") ?? 1, latest.ETag);
            }
            return await ETagRetry.RunAsync(async attempt =>
            {
                if (attempt > 0)
                {
                    // Someone else claimed or delivered meanwhile: start from the row as it is now.
                    var row = await index.GetEntityAsync(mailboxId, IndexKeys.Folder(folder.FolderId), cancellationToken).ConfigureAwait(false);
                    if (row is null)
                    {
                        return (0L, 0L);
                    }
                    (from, next, etag) = (row.GetInt64("RecentFromUid") ?? 1, row.GetInt64("UidNext") ?? 1, row.ETag);
                }
                if (from >= next)
                {
                    return (next, next);
                }
                try
                {
                    var response = await index.Table.UpdateEntityAsync(new TableEntity(mailboxId, IndexKeys.Folder(folder.FolderId)) { ["RecentFromUid"] = next },
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
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    return (0L, 0L);
                }
            },
            e => e.Status == 412,
            (_, _) => Task.FromResult(AfterConflict.RetryAtOnce),
            cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    /// <summary>UIDVALIDITY: seconds since the epoch, strictly above the last one this mailbox used.</summary>
    private static long NewUidValidity(long last) =>
        Math.Min(uint.MaxValue, Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), last + 1));
}

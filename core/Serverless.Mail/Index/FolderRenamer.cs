using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Model;

namespace Serverless.Mail.Index;

public enum FolderRenameOutcome
{
    Renamed,
    NotFound,
    AlreadyExists,

    /// <summary>The new name lies under the old one.</summary>
    Invalid,
}

/// <summary>IMAP RENAME: a folder with the folders below it, or INBOX's messages into a new folder.</summary>
internal sealed class FolderRenamer(IndexTable index, FolderCatalog catalog, FolderViews views, MessageMover mover)
{
    private const int FoldersPerRenameTransaction = 30; // three operations each

    /// <summary>
    /// Renames a folder and every folder below it (RFC 3501 6.3.5), creating missing parents of
    /// the new name. Folder ids, UIDVALIDITY and messages stay as they are. Renaming INBOX moves
    /// its messages into a new folder and leaves INBOX empty; folders below INBOX stay where they are.
    /// </summary>
    public async Task<FolderRenameOutcome> RenameFolderAsync(string mailboxId, string from, string to, CancellationToken cancellationToken)
    {
        from = FolderNames.Normalize(from);
        to = FolderNames.Normalize(to);
        if (to == "INBOX" || to == from)
        {
            return FolderRenameOutcome.AlreadyExists;
        }
        if (to.StartsWith(from + "/", StringComparison.Ordinal))
        {
            return FolderRenameOutcome.Invalid;
        }
        var folders = await catalog.ListFoldersAsync(mailboxId, cancellationToken).ConfigureAwait(false);
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

        var lane = index.Lanes.For(mailboxId);
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
                    await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
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
        var target = await catalog.CreateFolderAsync(mailboxId, to, null, false, cancellationToken).ConfigureAwait(false);
        if (target is null)
        {
            return FolderRenameOutcome.AlreadyExists;
        }
        var uids = new List<long>();
        await foreach (var m in views.ListViewEntriesAsync(mailboxId, SpecialUse.InboxId, 1, cancellationToken).ConfigureAwait(false))
        {
            uids.Add(m.Uid);
        }
        if (uids.Count > 0)
        {
            await mover.MoveMessagesAsync(mailboxId, SpecialUse.InboxId, uids, target.FolderId, cancellationToken).ConfigureAwait(false);
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
                await catalog.CreateFolderAsync(mailboxId, parent, null, false, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

using System.Runtime.CompilerServices;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// What a folder holds, as readers see it: message rows, and the folder view a SELECT starts from
/// (UIDs, flags, MODSEQs) with its persisted snapshot (v|… rows, <see cref="FolderViewSnapshot"/>)
/// kept up to date from the change log.
/// </summary>
internal sealed class FolderViews(IndexTable index, ChangeLog changeLog)
{
    /// <summary>Messages of a folder in UID order, from <paramref name="fromUid"/> to <paramref name="toUid"/> inclusive.</summary>
    public async IAsyncEnumerable<IndexedMessage> ListMessagesAsync(string mailboxId, int folderId, long fromUid, long toUid,
        bool includeSummary, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (toUid < fromUid)
        {
            yield break;
        }
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Message(folderId, Math.Max(1, fromUid)), IndexKeys.Message(folderId, Math.Min(toUid, MailboxIndex.MaxUid - 1) + 1));
        // Named columns either way: a row-kept message's bytes (Raw0…) are never listed along.
        var select = includeSummary ? IndexEntities.SummaryColumns : IndexEntities.ListingColumns;
        await foreach (var e in index.Table.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return IndexEntities.ToMessage(e);
        }
    }

    public async Task<IndexedMessage?> GetMessageAsync(string mailboxId, int folderId, long uid, CancellationToken cancellationToken)
    {
        var e = await index.GetEntityAsync(mailboxId, IndexKeys.Message(folderId, uid), cancellationToken).ConfigureAwait(false);
        return e is null ? null : IndexEntities.ToMessage(e);
    }

    private const string ViewPrefix = "v|";
    private const int ViewChunkBytes = 60 * 1024;      // a binary property holds at most 64 KiB
    private const int ViewChunksPerRow = 14;           // an entity holds at most 1 MiB
    private const int MaxViewRows = 3;                 // and a transaction 4 MiB (base64 on the wire)

    private static string ViewRow(int folderId, int part) =>
        FormattableString.Invariant($"{ViewPrefix}{folderId:D6}|{part:D2}");

    /// <summary>The start of every row of a folder's snapshot.</summary>
    public static string SnapshotPrefix(int folderId) => FormattableString.Invariant($"{ViewPrefix}{folderId:D6}|");

    /// <summary>
    /// The folder's current view for SELECT: the persisted snapshot brought up to date with the
    /// change log and the UIDs above its UIDNEXT, or — if there is none — one listing of the
    /// folder's message rows (flags and MODSEQ only). A snapshot that needed catching up (or a
    /// fresh listing) is saved again, so the next cold SELECT of an unchanged folder costs one
    /// query. <paramref name="folder"/> is the folder row just read.
    /// </summary>
    public async Task<FolderView> LoadFolderViewAsync(string mailboxId, FolderInfo folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var snapshot = await ReadFolderViewSnapshotAsync(mailboxId, folder.FolderId, cancellationToken).ConfigureAwait(false);
        FolderView view;
        if (snapshot is null || snapshot.UidValidity != folder.UidValidity || snapshot.HighestModSeq > folder.HighestModSeq)
        {
            view = await ListFolderViewAsync(mailboxId, folder, cancellationToken).ConfigureAwait(false);
        }
        else if (snapshot.HighestModSeq == folder.HighestModSeq)
        {
            return snapshot;
        }
        else
        {
            view = await RefreshFolderViewAsync(mailboxId, snapshot, folder, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await SaveFolderViewAsync(mailboxId, folder.FolderId, view, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e)
        {
            index.LogViewNotSaved(mailboxId, folder.FolderId, e.Message); // an optimisation only; the view is right anyway
        }
        return view;
    }

    /// <summary>
    /// Brings <paramref name="view"/> up to <paramref name="folder"/> (a folder row read after the
    /// view was made): the change log since the view's HIGHESTMODSEQ (one range query) and the
    /// messages from the view's UIDNEXT on (one range query). Never lists the whole folder unless
    /// UIDVALIDITY changed.
    /// </summary>
    public async Task<FolderView> RefreshFolderViewAsync(string mailboxId, FolderView view, FolderInfo folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(folder);
        if (folder.UidValidity != view.UidValidity)
        {
            return await ListFolderViewAsync(mailboxId, folder, cancellationToken).ConfigureAwait(false);
        }
        if (folder.HighestModSeq <= view.HighestModSeq && folder.UidNext <= view.UidNext)
        {
            return view;
        }
        if (view.HighestModSeq < folder.LogFloor || folder.HighestModSeq - view.HighestModSeq > folder.Messages + ListingSegmentMessages)
        {
            // The log no longer reaches back to the view (pruned), or replaying it would read
            // more rows than listing the folder does.
            return await ListFolderViewAsync(mailboxId, folder, cancellationToken).ConfigureAwait(false);
        }
        var changes = folder.HighestModSeq > view.HighestModSeq
            ? await changeLog.GetChangesAsync(mailboxId, folder.FolderId, view.HighestModSeq, cancellationToken).ConfigureAwait(false)
            : [];
        var added = new List<(long Uid, long ModSeq, IReadOnlyList<string> Flags)>();
        if (folder.UidNext > view.UidNext)
        {
            await foreach (var m in ListViewEntriesAsync(mailboxId, folder.FolderId, view.UidNext, cancellationToken).ConfigureAwait(false))
            {
                added.Add(m);
            }
        }
        return view.Apply(changes, added, folder.UidNext, folder.HighestModSeq);
    }

    private const int ListingSegmentMessages = 4000;
    private const int MaxListingSegments = 16;

    /// <summary>
    /// Lists the whole folder into a view (flags and MODSEQ only). A large folder is listed as
    /// several UID ranges at once: a query returns at most 1,000 rows a page, so one sequential
    /// listing of 100,000 messages would take 100 round trips in a row.
    /// </summary>
    public async Task<FolderView> ListFolderViewAsync(string mailboxId, FolderInfo folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var segments = (int)Math.Clamp(folder.Messages / ListingSegmentMessages, 1, MaxListingSegments);
        var last = Math.Max(1, folder.UidNext); // UIDs above UIDNEXT may have arrived meanwhile: the last range is open
        var bounds = Enumerable.Range(0, segments + 1).Select(i => i == segments ? MailboxIndex.MaxUid : 1 + ((last - 1) * i / segments)).ToArray();
        var parts = await Task.WhenAll(Enumerable.Range(0, segments).Select(async i =>
        {
            var list = new List<(long Uid, long ModSeq, IReadOnlyList<string> Flags)>();
            await foreach (var m in ListViewEntriesAsync(mailboxId, folder.FolderId, bounds[i], bounds[i + 1], cancellationToken).ConfigureAwait(false))
            {
                list.Add(m);
            }
            return list;
        })).ConfigureAwait(false);
        return FolderView.FromMessages(folder, parts.SelectMany(p => p).ToList());
    }

    /// <summary>UIDs from <paramref name="fromUid"/> on with flags and MODSEQ, in order.</summary>
    public IAsyncEnumerable<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> ListViewEntriesAsync(string mailboxId, int folderId, long fromUid, CancellationToken cancellationToken) =>
        ListViewEntriesAsync(mailboxId, folderId, fromUid, MailboxIndex.MaxUid, cancellationToken);

    /// <summary>UIDs in [<paramref name="fromUid"/>, <paramref name="toUid"/>) with flags and MODSEQ, in order.</summary>
    private async IAsyncEnumerable<(long Uid, long ModSeq, IReadOnlyList<string> Flags)> ListViewEntriesAsync(string mailboxId, int folderId, long fromUid, long toUid,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = IndexKeys.Range(mailboxId, IndexKeys.Message(folderId, Math.Max(1, fromUid)), IndexKeys.Message(folderId, Math.Min(toUid, MailboxIndex.MaxUid)));
        await foreach (var e in index.Table.QueryAsync<TableEntity>(filter, select: ["RowKey", "Flags", "ModSeq"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return (IndexKeys.UidFromMessageKey(e.RowKey), e.GetInt64("ModSeq") ?? 0, IndexEntities.SplitFlags(e.GetString("Flags")));
        }
    }

    /// <summary>The persisted snapshot of a folder's view (one range query), or null.</summary>
    public async Task<FolderView?> ReadFolderViewSnapshotAsync(string mailboxId, int folderId, CancellationToken cancellationToken)
    {
        var filter = IndexKeys.Range(mailboxId, ViewRow(folderId, 0), FormattableString.Invariant($"{ViewPrefix}{folderId:D6}}}"));
        var rows = new List<TableEntity>();
        await foreach (var e in index.Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(e);
        }
        if (rows.Count == 0 || rows[0].RowKey != ViewRow(folderId, 0))
        {
            return null;
        }
        var parts = rows[0].GetInt32("Parts") ?? 0;
        var generation = rows[0].GetString("Generation");
        if (parts < 1 || rows.Count < parts)
        {
            return null;
        }
        using var data = new MemoryStream();
        for (var p = 0; p < parts; p++)
        {
            var row = rows[p];
            if (row.RowKey != ViewRow(folderId, p) || row.GetString("Generation") != generation)
            {
                return null; // parts of different saves: ignore, it will be rebuilt
            }
            for (var c = 0; c < ViewChunksPerRow && row.GetBinary("D" + c) is { } chunk; c++)
            {
                data.Write(chunk);
            }
        }
        return FolderViewSnapshot.Read(data.GetBuffer().AsSpan(0, (int)data.Length));
    }

    /// <summary>Saves a folder's view as its snapshot (one transaction; skipped for views too large to store atomically).</summary>
    public async Task<bool> SaveFolderViewAsync(string mailboxId, int folderId, FolderView view, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        var bytes = FolderViewSnapshot.Write(view);
        var chunks = bytes.Chunk(ViewChunkBytes).ToList();
        var rowsNeeded = Math.Max(1, (chunks.Count + ViewChunksPerRow - 1) / ViewChunksPerRow);
        if (rowsNeeded > MaxViewRows)
        {
            index.LogViewNotSaved(mailboxId, folderId, $"snapshot of {bytes.Length} bytes is too large");
            return false;
        }
        var generation = Guid.NewGuid().ToString("N");
        var actions = new List<TableTransactionAction>();
        for (var p = 0; p < rowsNeeded; p++)
        {
            var e = new TableEntity(mailboxId, ViewRow(folderId, p)) { ["Generation"] = generation };
            if (p == 0)
            {
                e["Parts"] = rowsNeeded;
                e["UidValidity"] = view.UidValidity;
                e["UidNext"] = view.UidNext;
                e["HighestModSeq"] = view.HighestModSeq;
                e["Messages"] = view.Count;
            }
            for (var c = 0; c < ViewChunksPerRow && (p * ViewChunksPerRow) + c < chunks.Count; c++)
            {
                e["D" + c] = chunks[(p * ViewChunksPerRow) + c];
            }
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, e));
        }
        await index.Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        return true;
    }
}

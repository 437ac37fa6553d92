using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Index;

/// <summary>
/// STORE and EXPUNGE: writes that change or remove a folder's messages. Each moves the folder's
/// HIGHESTMODSEQ and records the change under its MODSEQ in the folder's change log (c|… rows),
/// which other sessions read to follow it. The writing is <see cref="ChangeWriter"/>'s.
/// </summary>
internal sealed class ChangeLog(IndexTable index)
{
    private readonly ChangeWriter _writer = new(index);

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
    /// row pointing at nothing. Written by group commit with other sessions' changes to the mailbox.
    /// </summary>
    public async Task<IReadOnlyList<long>> ExpungeAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken,
        bool onlyDeleted = false)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var outcomes = await SubmitAsync(mailboxId, folderId, uids, FolderChangeKind.Expunge, FlagMode.Replace, [], null, cancellationToken, onlyDeleted).ConfigureAwait(false);
        var removed = outcomes.SelectMany(o => o.Removed).ToList();
        foreach (var m in removed)
        {
            await index.Holders.ReleaseAsync(m, CancellationToken.None).ConfigureAwait(false);
        }
        return removed.Select(m => m.Uid).ToList();
    }

    /// <summary>
    /// Changes flags (IMAP STORE). With <paramref name="unchangedSince"/> (CONDSTORE), messages whose
    /// MODSEQ is higher are left alone and reported with <c>Modified = false</c> and their current flags.
    /// Written by group commit: concurrent STOREs and EXPUNGEs of one mailbox in this process share
    /// transactions, and each caller waits for its own only.
    /// </summary>
    public async Task<IReadOnlyList<FlagUpdateResult>> StoreFlagsAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, FlagMode mode,
        IReadOnlyCollection<string> flags, long? unchangedSince, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(flags);
        var outcomes = await SubmitAsync(mailboxId, folderId, uids, FolderChangeKind.Flags, mode, flags.ToList(), unchangedSince, cancellationToken).ConfigureAwait(false);
        return outcomes.SelectMany(o => o.Stored).ToList();
    }

    /// <summary>One request per chunk of messages, all queued at once so they pack into as few transactions as fit.</summary>
    private async Task<ChangeOutcome[]> SubmitAsync(string mailboxId, int folderId, IReadOnlyCollection<long> uids, FolderChangeKind kind, FlagMode mode,
        IReadOnlyCollection<string> flags, long? unchangedSince, CancellationToken cancellationToken, bool onlyDeleted = false)
    {
        var lane = index.Lanes.For(mailboxId);
        return await Task.WhenAll(uids.Distinct().Order().Chunk(ChangePlan.MessagesPerRequest)
            .Select(chunk => GroupCommit.SubmitAsync(lane, new PendingChange(mailboxId, folderId, chunk, kind, mode, flags, unchangedSince, _writer, onlyDeleted), cancellationToken)))
            .ConfigureAwait(false);
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

}

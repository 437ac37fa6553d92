using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Serverless.Mail.Model;

namespace Serverless.Mail.Migration;

/// <summary>
/// One run of an IMAP import: every selectable source folder (INBOX first, then by name; virtual
/// ones skipped, <see cref="FolderMapping"/>), the messages above the UID recorded for it in
/// <c>imports</c> — under the same UIDVALIDITY; a new UIDVALIDITY means the source renumbered and the
/// folder is read again — fetched byte for byte (<c>BODY.PEEK[]</c>, nothing marked read at the
/// source) with flags, keywords and INTERNALDATE, and filed. Dedupe key per message:
/// <c>import|{source}|{folder}|{uidvalidity}|{uid}</c>.
/// </summary>
internal static class ImapCopier
{
    private const int FetchChunk = 50;

    /// <summary>Copies what this run's budget allows; true when nothing is left.</summary>
    public static async Task<bool> RunAsync(ImportRun run, ImapClient client, string sourceKey, IReadOnlyDictionary<string, FolderProgress> recorded,
        CancellationToken cancellationToken)
    {
        var job = run.Job;
        var folders = await ListAsync(client, job, cancellationToken).ConfigureAwait(false);
        var firstRun = job.FoldersTotal == 0;
        if (firstRun)
        {
            job.FoldersTotal = folders.Count;
        }
        var done = 0;
        var complete = true;
        foreach (var (folder, path) in folders)
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken).ConfigureAwait(false);
            var validity = folder.UidValidity;
            var last = recorded.TryGetValue(path, out var p) && p.UidValidity == validity ? p.LastUid : 0;
            var query = last == 0 ? SearchQuery.All : SearchQuery.Uids(new UniqueIdRange(new UniqueId(validity, (uint)last + 1), UniqueId.MaxValue));
            var uids = (await folder.SearchAsync(query, cancellationToken).ConfigureAwait(false)).Where(u => u.Id > last).OrderBy(u => u.Id).ToList();
            if (firstRun)
            {
                job.MessagesTotal += uids.Count;
            }
            if (!run.HasBudget)
            {
                complete &= uids.Count == 0;
                done += uids.Count == 0 ? 1 : 0;
                if (!firstRun)
                {
                    break;
                }
                continue; // the first run still counts every folder's messages for the total
            }
            var target = FolderMapping.Target(path, SpecialUses(folder));
            var folderId = await run.Filing.FolderAsync(job.MailboxId, target, cancellationToken).ConfigureAwait(false);
            var finished = true;
            foreach (var chunk in uids.Chunk(FetchChunk))
            {
                if (!run.HasBudget)
                {
                    finished = false;
                    break;
                }
                var summaries = await folder.FetchAsync(chunk, new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags
                    | MessageSummaryItems.InternalDate | MessageSummaryItems.Size), cancellationToken).ConfigureAwait(false);
                foreach (var s in summaries.OrderBy(s => s.UniqueId.Id))
                {
                    if (!run.HasBudget)
                    {
                        finished = false;
                        break;
                    }
                    if (s.Size is { } size && size > run.Options.MaxMessageBytes)
                    {
                        run.Skip($"{path} UID {s.UniqueId.Id}: {size} bytes, more than the {run.Options.MaxMessageBytes} a message may have.");
                    }
                    else
                    {
                        byte[] bytes;
                        using (var stream = await folder.GetStreamAsync(s.UniqueId, "", cancellationToken).ConfigureAwait(false))
                        using (var copy = new MemoryStream())
                        {
                            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                            bytes = copy.ToArray();
                        }
                        var date = s.InternalDate ?? run.Time.GetUtcNow();
                        await run.FileAsync(job.MailboxId, folderId, bytes, date, Flags(s), $"import|{sourceKey}|{path}|{validity}|{s.UniqueId.Id}", cancellationToken)
                            .ConfigureAwait(false);
                    }
                    run.Progress[path] = new FolderProgress(path, validity, s.UniqueId.Id);
                }
                if (!finished)
                {
                    break;
                }
            }
            await folder.CloseAsync(false, cancellationToken).ConfigureAwait(false);
            if (!finished)
            {
                complete = false;
                if (!firstRun)
                {
                    break;
                }
                continue;
            }
            done++;
        }
        job.FoldersDone = Math.Max(job.FoldersDone, done);
        return complete;
    }

    private static async Task<List<(IMailFolder Folder, string Path)>> ListAsync(ImapClient client, ImportJob job, CancellationToken cancellationToken)
    {
        var all = new List<IMailFolder> { client.Inbox };
        foreach (var ns in client.PersonalNamespaces)
        {
            all.AddRange(await client.GetFoldersAsync(ns, StatusItems.None, false, cancellationToken).ConfigureAwait(false));
        }
        var wanted = job.Folders?.Split('\n').Select(FolderNames.Normalize).ToHashSet(StringComparer.Ordinal);
        return all
            .Where(f => (f.Attributes & (FolderAttributes.NoSelect | FolderAttributes.NonExistent)) == 0 && !FolderMapping.IsVirtual(SpecialUses(f)))
            .Select(f => (Folder: f, Path: PathOf(f)))
            .DistinctBy(f => f.Path, StringComparer.Ordinal)
            .Where(f => wanted is null || wanted.Contains(f.Path))
            .OrderBy(f => f.Path == FolderNames.Inbox ? 0 : 1).ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The folder's path with "/" between levels, whatever the source's separator.</summary>
    private static string PathOf(IMailFolder folder)
    {
        var name = folder.FullName;
        if (folder.DirectorySeparator != '\0' && folder.DirectorySeparator != FolderNames.Delimiter)
        {
            name = name.Replace(folder.DirectorySeparator, FolderNames.Delimiter);
        }
        return FolderNames.Normalize(name);
    }

    private static List<string> SpecialUses(IMailFolder folder)
    {
        var uses = new List<string>();
        foreach (var (attribute, use) in new[]
        {
            (FolderAttributes.Sent, "\\Sent"), (FolderAttributes.Drafts, "\\Drafts"), (FolderAttributes.Trash, "\\Trash"),
            (FolderAttributes.Junk, "\\Junk"), (FolderAttributes.Archive, "\\Archive"), (FolderAttributes.All, "\\All"), (FolderAttributes.Flagged, "\\Flagged"),
        })
        {
            if ((folder.Attributes & attribute) != 0)
            {
                uses.Add(use);
            }
        }
        return uses;
    }

    private static List<string> Flags(IMessageSummary s)
    {
        var flags = new List<string>();
        var f = s.Flags ?? MessageFlags.None;
        foreach (var (flag, name) in new[]
        {
            (MessageFlags.Seen, "\\Seen"), (MessageFlags.Answered, "\\Answered"), (MessageFlags.Flagged, "\\Flagged"),
            (MessageFlags.Deleted, "\\Deleted"), (MessageFlags.Draft, "\\Draft"),
        })
        {
            if ((f & flag) != 0)
            {
                flags.Add(name);
            }
        }
        flags.AddRange(s.Keywords.Where(k => !k.StartsWith('\\')));
        return flags;
    }
}

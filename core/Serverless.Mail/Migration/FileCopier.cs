using System.IO.Compression;
using System.Text;
using Azure.Storage.Blobs;
using Serverless.Mail.Migration.Files;
using Serverless.Mail.Model;

namespace Serverless.Mail.Migration;

/// <summary>
/// One run of a file import, reading the uploaded blob from where the last run stopped: an mbox from
/// the byte offset of its next message (a ranged read), a Maildir zip from the index of its next
/// message entry (the archive's central directory gives random access). Dedupe key per message:
/// <c>import|{import id}|{n}</c>, n counting the file's messages.
/// </summary>
internal static class FileCopier
{
    public static async Task<bool> RunMboxAsync(ImportRun run, BlobClient blob, CancellationToken cancellationToken)
    {
        var job = run.Job;
        var size = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.ContentLength;
        if (job.Cursor >= size)
        {
            return true;
        }
        var folderId = await run.Filing.FolderAsync(job.MailboxId, job.TargetFolder ?? FolderNames.Inbox, cancellationToken).ConfigureAwait(false);
        var format = job.Format == "mboxo" ? MboxFormat.Mboxo : MboxFormat.Mboxrd;
        var download = await blob.DownloadStreamingAsync(new Azure.Storage.Blobs.Models.BlobDownloadOptions { Range = new Azure.HttpRange(job.Cursor) },
            cancellationToken).ConfigureAwait(false);
        await using var stream = download.Value.Content;
        await foreach (var m in new MboxReader(stream, format, job.Cursor, run.Options.MaxMessageBytes).ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!run.HasBudget)
            {
                return false; // the cursor still points at this message
            }
            if (m.TooLarge)
            {
                run.Skip($"Message {job.FileMessages + 1} of the mbox: more than the {run.Options.MaxMessageBytes} bytes a message may have.");
            }
            else
            {
                await run.FileAsync(job.MailboxId, folderId, m.Bytes, m.Date ?? job.CreatedAt, MboxStatus.Flags(m.Bytes),
                    $"import|{job.Id}|{job.FileMessages}", cancellationToken).ConfigureAwait(false);
            }
            job.Cursor = m.NextOffset;
            job.FileMessages++;
        }
        job.Cursor = size;
        job.FoldersDone = 1;
        return true;
    }

    public static async Task<bool> RunMaildirAsync(ImportRun run, BlobClient blob, CancellationToken cancellationToken)
    {
        var job = run.Job;
        await using var stream = await blob.OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var zip = await ZipArchive.CreateAsync(stream, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, cancellationToken)
            .ConfigureAwait(false);
        var (messages, keywords) = await ScanAsync(zip, cancellationToken).ConfigureAwait(false);
        if (job.FoldersTotal == 0)
        {
            job.FoldersTotal = messages.Select(m => m.Folder).Distinct().Count();
            job.MessagesTotal = messages.Count;
        }
        for (var i = (int)job.Cursor; i < messages.Count; i++)
        {
            if (!run.HasBudget)
            {
                job.FoldersDone = FoldersBefore(messages, i);
                return false;
            }
            var (entry, folder) = messages[i];
            if (entry.Length > run.Options.MaxMessageBytes)
            {
                run.Skip($"{entry.FullName}: more than the {run.Options.MaxMessageBytes} bytes a message may have.");
            }
            else
            {
                var bytes = new byte[entry.Length];
                await using (var content = await entry.OpenAsync(cancellationToken).ConfigureAwait(false))
                {
                    await content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                }
                var folderId = await run.Filing.FolderAsync(job.MailboxId, folder, cancellationToken).ConfigureAwait(false);
                var flags = MaildirNames.ParseFlags(entry.Name, keywords.GetValueOrDefault(folder) ?? []);
                var date = MaildirNames.DateOf(entry.Name) ?? entry.LastWriteTime;
                await run.FileAsync(job.MailboxId, folderId, bytes, date, flags, $"import|{job.Id}|{i}", cancellationToken).ConfigureAwait(false);
            }
            job.Cursor = i + 1;
            job.FileMessages = i + 1;
        }
        job.FoldersDone = job.FoldersTotal;
        return true;
    }

    /// <summary>The archive's message entries in archive order (stable across runs), and each folder's keyword names.</summary>
    private static async Task<(List<(ZipArchiveEntry Entry, string Folder)> Messages, Dictionary<string, Dictionary<int, string>> Keywords)> ScanAsync(
        ZipArchive zip, CancellationToken cancellationToken)
    {
        var messages = new List<(ZipArchiveEntry, string)>();
        var keywords = new Dictionary<string, Dictionary<int, string>>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            switch (MaildirNames.Classify(entry.FullName))
            {
                case ({ } folder, false):
                    messages.Add((entry, folder));
                    break;
                case ({ } folder, true) when entry.Length < 64 * 1024:
                    await using (var content = await entry.OpenAsync(cancellationToken).ConfigureAwait(false))
                    using (var reader = new StreamReader(content, Encoding.UTF8))
                    {
                        keywords[folder] = MaildirNames.ParseKeywordsFile(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                    }
                    break;
            }
        }
        return (messages, keywords);
    }

    private static int FoldersBefore(List<(ZipArchiveEntry Entry, string Folder)> messages, int next)
    {
        var pending = messages.Skip(next).Select(m => m.Folder).ToHashSet(StringComparer.Ordinal);
        return messages.Select(m => m.Folder).Distinct().Count(f => !pending.Contains(f));
    }
}

using System.IO.Compression;
using System.Text;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Migration.Files;
using Serverless.Mail.Model;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Validation;

namespace Serverless.Mail.Migration;

/// <summary>An export ready to be written: what it is, and the writer that streams it.</summary>
public sealed record MailboxExportDocument(string ContentType, string FileName, Func<Stream, CancellationToken, Task> WriteAsync);

/// <summary>
/// <c>GET …/export</c>: a folder as mboxrd, or the mailbox (or one folder) as a zipped Maildir++
/// tree with flags in the file names and keywords in <c>dovecot-keywords</c> — what Dovecot and
/// Thunderbird read. Streamed: the index is listed page by page and each message's blob copied to
/// the response as it is read, so memory does not grow with the mailbox.
/// </summary>
public sealed class MailboxExport(MailDirectory directory, MailboxIndex index, MessageStore store)
{
    public async Task<ProvisioningOutcome<MailboxExportDocument>> PrepareAsync(string tenant, string address, string format, string? folder,
        CancellationToken cancellationToken)
    {
        if (!AddressRules.TryParseHosted(address, out var parsed, out _)
            || await directory.GetMailboxAsync(tenant, parsed, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return ProvisioningError.NotFound($"Mailbox '{address}' not found.");
        }
        if (format is not ("mbox" or "maildir"))
        {
            return ProvisioningError.Invalid("format", "must be mbox or maildir.");
        }
        var folders = await index.ListFoldersAsync(mailbox.MailboxId, cancellationToken).ConfigureAwait(false);
        var wanted = folder ?? (format == "mbox" ? FolderNames.Inbox : null);
        var selected = wanted is null ? folders.OrderBy(f => f.FolderId).ToList() : folders.Where(f => f.Name == FolderNames.Normalize(wanted)).ToList();
        if (selected.Count == 0)
        {
            return ProvisioningError.Invalid("folder", $"names no folder of the mailbox ('{wanted}').");
        }
        var baseName = mailbox.Address + (wanted is null ? "" : "-" + wanted.Replace('/', '-'));
        return format == "mbox"
            ? new MailboxExportDocument("application/mbox", baseName + ".mbox", (output, ct) => WriteMboxAsync(mailbox.MailboxId, selected[0], output, ct))
            : new MailboxExportDocument("application/zip", baseName + ".zip", (output, ct) => WriteMaildirAsync(mailbox.MailboxId, selected, output, ct));
    }

    private async Task WriteMboxAsync(string mailboxId, FolderInfo folder, Stream output, CancellationToken cancellationToken)
    {
        await foreach (var m in index.ListMessagesAsync(mailboxId, folder.FolderId, includeSummary: false, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await output.WriteAsync(MboxWriter.FromLine(null, m.InternalDate), cancellationToken).ConfigureAwait(false);
            await using var content = await store.OpenReadAsync(m.Source(mailboxId, folder.FolderId), cancellationToken).ConfigureAwait(false);
            await MboxWriter.WriteMessageAsync(output, content, cancellationToken).ConfigureAwait(false);
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteMaildirAsync(string mailboxId, IReadOnlyList<FolderInfo> folders, Stream output, CancellationToken cancellationToken)
    {
        var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        await using (zip.ConfigureAwait(false))
        {
            foreach (var folder in folders)
            {
                var directory = MaildirNames.DirectoryOf(folder.Name);
                var prefix = directory.Length == 0 ? "" : directory + "/";
                foreach (var sub in new[] { "cur/", "new/", "tmp/" })
                {
                    zip.CreateEntry(prefix + sub);
                }
                var keywords = new List<string>();
                await foreach (var m in index.ListMessagesAsync(mailboxId, folder.FolderId, includeSummary: false, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    var name = MaildirNames.FileName(m.InternalDate, $"M{m.Uid}P{folder.FolderId}V{folder.UidValidity}", m.Size, MaildirNames.FormatInfo(m.Flags, keywords));
                    var entry = zip.CreateEntry(prefix + "cur/" + name, CompressionLevel.Fastest);
                    entry.LastWriteTime = m.InternalDate;
                    await using var target = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using var content = await store.OpenReadAsync(m.Source(mailboxId, folder.FolderId), cancellationToken).ConfigureAwait(false);
                    await content.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                }
                if (keywords.Count > 0)
                {
                    var entry = zip.CreateEntry(prefix + MaildirNames.KeywordsFile);
                    await using var target = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await target.WriteAsync(MaildirNames.Utf8.GetBytes(MaildirNames.FormatKeywordsFile(keywords)), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}

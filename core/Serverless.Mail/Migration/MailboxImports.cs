using System.IO.Compression;
using Azure.Storage.Queues;
using Serverless.Mail.Accounts;
using Serverless.Mail.Messages;
using Serverless.Mail.Migration.Files;
using Serverless.Mail.Model;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Validation;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Migration;

/// <summary>What <c>POST …/imports</c> with JSON asks: copy another IMAP server's mailbox.</summary>
public sealed record ImapImportRequest(string Host, int Port, string Security, string Username, string Password, IReadOnlyList<string>? Folders);

/// <summary>An import as the API shows it.</summary>
public sealed record ImportView(string Id, string Mailbox, string Kind, string Status, string? Host, string? Username, int FoldersDone, int FoldersTotal,
    long MessagesCopied, long MessagesTotal, long Bytes, long Errors, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? UpdatedAt, DateTimeOffset? FinishedAt, long? EstimatedSecondsLeft);

/// <summary>
/// Starting, watching and cancelling imports (the API's side; <see cref="MailboxImporter"/> does the
/// copying). An import is a row in <c>imports</c> plus a message on <c>mailbox-import</c>; a file is
/// first streamed into a blob (never held in memory) and counted on the way.
/// </summary>
public sealed class MailboxImports(MailDirectory directory, ImportJobs jobs, ImapSourceConnection sources, SourcePasswords passwords,
    MessageStore store, MailStorage storage, MailboxImporter importer, ImportOptions options, TimeProvider time)
{
    private readonly QueueClient _queue = storage.Queue(StorageNames.MailboxImportQueue);

    public async Task<ProvisioningOutcome<ImportView>> StartImapAsync(string tenant, string address, ImapImportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await FindAsync(tenant, address, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return NotFound(address);
        }
        if (request.Security is not (ImapSourceConnection.Ssl or ImapSourceConnection.StartTls or ImapSourceConnection.None))
        {
            return ProvisioningError.Invalid("security", "must be ssl, starttls or none.");
        }
        if (request.Port is < 1 or > 65535)
        {
            return ProvisioningError.Invalid("port", "must be from 1 to 65535.");
        }
        if (!passwords.Configured)
        {
            return ProvisioningError.Invalid("password", "IMAP imports are not enabled on this service: Mail:Import:SecretKey is not set.");
        }
        var (_, refusal) = await sources.ResolveAsync(request.Host, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return ProvisioningError.Invalid("host", refusal);
        }
        var id = Guid.NewGuid().ToString("N");
        var job = new ImportJob
        {
            Id = id, MailboxId = mailbox.MailboxId, TenantId = mailbox.TenantId, Address = mailbox.Address, Kind = ImportKinds.Imap,
            Host = request.Host.Trim(), Port = request.Port, Security = request.Security, Username = request.Username,
            Secret = passwords.Protect(id, request.Password),
            Folders = request.Folders is { Count: > 0 } f ? string.Join('\n', f.Select(FolderNames.Normalize)) : null,
            CreatedAt = time.GetUtcNow(),
        };
        await QueueAsync(job, cancellationToken).ConfigureAwait(false);
        return View(job);
    }

    /// <summary>Streams an uploaded mbox (<paramref name="kind"/> mbox) or Maildir zip into a blob and queues its import.</summary>
    public async Task<ProvisioningOutcome<ImportView>> StartFileAsync(string tenant, string address, string kind, MboxFormat format, string? folder, Stream body,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (await FindAsync(tenant, address, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return NotFound(address);
        }
        var id = Guid.NewGuid().ToString("N");
        var blobName = $"imports/{mailbox.MailboxId}/{id}.{(kind == ImportKinds.Mbox ? "mbox" : "zip")}";
        var counter = new MboxReader.Counter();
        long size = 0;
        await using (var writer = store.CreateWriter(blobName))
        {
            var buffer = new byte[256 * 1024];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                size += n;
                if (size > options.MaxUploadBytes)
                {
                    return ProvisioningError.Invalid("body", $"is larger than the {options.MaxUploadBytes} bytes an import file may have.");
                }
                if (kind == ImportKinds.Mbox)
                {
                    counter.Add(buffer.AsSpan(0, n));
                }
                await writer.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            if (size == 0)
            {
                return ProvisioningError.Invalid("body", "is empty.");
            }
            await writer.CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        var job = new ImportJob
        {
            Id = id, MailboxId = mailbox.MailboxId, TenantId = mailbox.TenantId, Address = mailbox.Address, Kind = kind,
            Blob = blobName, TargetFolder = folder is null ? null : FolderNames.Normalize(folder), Format = format == MboxFormat.Mboxo ? "mboxo" : "mboxrd",
            FoldersTotal = kind == ImportKinds.Mbox ? 1 : 0,
            CreatedAt = time.GetUtcNow(),
        };
        counter.Complete();
        job.MessagesTotal = counter.Messages;
        if (kind == ImportKinds.Maildir && !await IsZipAsync(blobName, cancellationToken).ConfigureAwait(false))
        {
            await importer.RemoveUploadAsync(job, cancellationToken).ConfigureAwait(false);
            return ProvisioningError.Invalid("body", "is not a zip archive.");
        }
        try
        {
            await QueueAsync(job, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await importer.RemoveUploadAsync(job, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return View(job);
    }

    public async Task<ProvisioningOutcome<ImportView>> GetAsync(string tenant, string address, string id, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, address, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return NotFound(address);
        }
        var job = await jobs.GetAsync(mailbox.MailboxId, id, cancellationToken).ConfigureAwait(false);
        return job is null ? ProvisioningError.NotFound($"Import '{id}' not found.") : View(job);
    }

    /// <summary>Cancels a running import (the source password is deleted at once; what was copied stays). An import that ended is shown as it is.</summary>
    public async Task<ProvisioningOutcome<ImportView>> CancelAsync(string tenant, string address, string id, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenant, address, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return NotFound(address);
        }
        var job = await jobs.CancelAsync(mailbox.MailboxId, id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return ProvisioningError.NotFound($"Import '{id}' not found.");
        }
        await importer.RemoveUploadAsync(job, cancellationToken).ConfigureAwait(false);
        return View(job);
    }

    private async Task QueueAsync(ImportJob job, CancellationToken cancellationToken)
    {
        await jobs.CreateAsync(job, cancellationToken).ConfigureAwait(false);
        var message = new MailboxImportMessage { TenantId = job.TenantId, MailboxId = job.MailboxId, Address = job.Address, ImportId = job.Id };
        await _queue.SendMessageAsync(message.ToJson(), null, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> IsZipAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await storage.Messages.GetBlobClient(blobName).OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using var zip = await ZipArchive.CreateAsync(stream, ZipArchiveMode.Read, false, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            return false; // ArgumentException: shorter than a zip's end record (the blob stream refuses the seek)
        }
    }

    private async Task<Accounts.MailboxRecord?> FindAsync(string tenant, string address, CancellationToken cancellationToken) =>
        AddressRules.TryParseHosted(address, out var parsed, out _) ? await directory.GetMailboxAsync(tenant, parsed, cancellationToken).ConfigureAwait(false) : null;

    private static ProvisioningError NotFound(string address) => ProvisioningError.NotFound($"Mailbox '{address}' not found.");

    private ImportView View(ImportJob job)
    {
        long? left = null;
        if (job.Status == ImportStatus.Running && job.StartedAt is { } started && job.MessagesCopied > 0 && job.MessagesTotal > job.MessagesCopied)
        {
            var perMessage = (time.GetUtcNow() - started).TotalSeconds / job.MessagesCopied;
            left = (long)Math.Ceiling(perMessage * (job.MessagesTotal - job.MessagesCopied));
        }
        return new ImportView(job.Id, job.Address, job.Kind, job.Status, job.Host, job.Username, job.FoldersDone, job.FoldersTotal, job.MessagesCopied,
            job.MessagesTotal, job.Bytes, job.Errors, job.LastError, job.CreatedAt, job.StartedAt, job.UpdatedAt, job.FinishedAt, left);
    }
}

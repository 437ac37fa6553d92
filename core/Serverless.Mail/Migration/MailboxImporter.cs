using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Migration;

/// <summary>
/// The <c>mailbox-import</c> consumer: one bounded run of an import per queue message
/// (<see cref="ImportOptions.BatchSize"/> messages or <see cref="ImportOptions.BatchTime"/>), then
/// its own continuation on the queue — so no run comes near a Functions timeout, and a run that
/// dies is only a queue message that comes back. A run leases the job row (a second copy of the
/// message does nothing meanwhile), saves the job and the source folders' progress in one
/// transaction under that lease's ETag (a cancel in between wins), and only then queues the
/// continuation. What a dead run filed but did not record is found again by its dedupe keys.
/// </summary>
public sealed partial class MailboxImporter(ImportJobs jobs, MailDirectory directory, ImportFiling filing, ImapSourceConnection sources,
    SourcePasswords passwords, MailStorage storage, ImportOptions options, TimeProvider time, ILogger<MailboxImporter> logger)
{
    private readonly QueueClient _queue = storage.Queue(StorageNames.MailboxImportQueue);

    public async Task RunAsync(MailboxImportMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var job = await jobs.GetAsync(message.MailboxId, message.ImportId, cancellationToken).ConfigureAwait(false);
        if (job is null || ImportStatus.IsTerminal(job.Status))
        {
            return;
        }
        var now = time.GetUtcNow();
        if (job.LeaseUntil is { } until && until > now)
        {
            // Held by another run — or by one that died before it could save: come back when the
            // lease ends, so the import never waits on a run that is gone. (A live holder queues its
            // own continuation too; the two then take turns, never copying at the same time.)
            await _queue.SendMessageAsync(message.ToJson(), until - now + TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
            return;
        }
        job = await jobs.LeaseAsync(job, now, options.LeaseTime, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return; // another run took it this instant; that run queues the continuation
        }
        job.Status = ImportStatus.Running;
        job.StartedAt ??= now;
        var run = new ImportRun(job, null, filing, options, time);
        var complete = false;
        TimeSpan? delay = null;
        string? sourceKey = null;
        try
        {
            var mailbox = await directory.GetMailboxAsync(job.TenantId, MailAddress.Parse(job.Address), cancellationToken).ConfigureAwait(false);
            if (mailbox is null || mailbox.MailboxId != job.MailboxId)
            {
                throw new ImportStoppedException(ImportStatus.Failed, "The mailbox was deleted.");
            }
            run = new ImportRun(job, mailbox.QuotaBytes > 0 ? mailbox.QuotaBytes : null, filing, options, time);
            if (job.Kind == ImportKinds.Imap)
            {
                sourceKey = ImportJobs.SourceKey(job.Host!, job.Port, job.Username!);
                complete = await RunImapAsync(run, sourceKey, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var blob = storage.Messages.GetBlobClient(job.Blob);
                complete = job.Kind == ImportKinds.Mbox
                    ? await FileCopier.RunMboxAsync(run, blob, cancellationToken).ConfigureAwait(false)
                    : await FileCopier.RunMaildirAsync(run, blob, cancellationToken).ConfigureAwait(false);
            }
            job.Failures = 0;
            if (complete)
            {
                job.Finish(ImportStatus.Completed, time.GetUtcNow());
            }
        }
        catch (ImportStoppedException e)
        {
            job.Finish(e.Status, time.GetUtcNow(), e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The source or storage failed for now: try again later, and stop after a few failures in a row.
            job.Failures++;
            job.LastError = e.Message;
            LogRunFailed(job.Id, job.MailboxId, job.Failures, e.GetType().Name, e.Message);
            if (job.Failures >= options.MaxFailures)
            {
                job.Finish(ImportStatus.Failed, time.GetUtcNow());
            }
            else
            {
                delay = options.RetryDelay;
            }
        }
        job.UpdatedAt = time.GetUtcNow();
        job.LeaseUntil = null;
        job.LeaseId = null;
        if (!await jobs.SaveAsync(job, sourceKey, run.Progress.Values, cancellationToken).ConfigureAwait(false))
        {
            // Cancelled (or taken over) meanwhile: what was filed stays, and the row says what happened.
            var current = await jobs.GetAsync(job.MailboxId, job.Id, cancellationToken).ConfigureAwait(false);
            if (current is not null && ImportStatus.IsTerminal(current.Status))
            {
                await RemoveUploadAsync(current, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        if (ImportStatus.IsTerminal(job.Status))
        {
            await RemoveUploadAsync(job, cancellationToken).ConfigureAwait(false);
            LogFinished(job.Id, job.MailboxId, job.Status, job.MessagesCopied, job.Errors);
            return;
        }
        await _queue.SendMessageAsync(message.ToJson(), delay, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> RunImapAsync(ImportRun run, string sourceKey, CancellationToken cancellationToken)
    {
        var job = run.Job;
        if (job.Secret is null)
        {
            throw new ImportStoppedException(ImportStatus.Failed, "The source password is gone.");
        }
        var recorded = await jobs.GetProgressAsync(job.MailboxId, sourceKey, cancellationToken).ConfigureAwait(false);
        using var client = await sources.OpenAsync(job, passwords.Unprotect(job.Id, job.Secret), cancellationToken).ConfigureAwait(false);
        var complete = await ImapCopier.RunAsync(run, client, sourceKey, recorded, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        return complete;
    }

    /// <summary>An uploaded file is needed only while its import runs.</summary>
    public async Task RemoveUploadAsync(ImportJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Blob is not null)
        {
            await storage.Messages.GetBlobClient(job.Blob).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {Id} into mailbox {Mailbox}: run failed ({Failures} in a row): {Kind}: {Error}")]
    private partial void LogRunFailed(string id, string mailbox, int failures, string kind, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {Id} into mailbox {Mailbox} ended {Status}: {Copied} messages, {Errors} errors")]
    private partial void LogFinished(string id, string mailbox, string status, long copied, long errors);
}

using Serverless.Mail.Index;

namespace Serverless.Mail.Migration;

/// <summary>An import that stops for good with a status and a reason (the source refused the login, the quota is reached, ...).</summary>
public sealed class ImportStoppedException(string status, string reason) : Exception(reason)
{
    public string Status { get; } = status;
}

/// <summary>
/// One run of an import (one queue message): the job it advances, how much it may still do (messages
/// and time), and the one way it files a message and counts the outcome.
/// </summary>
internal sealed class ImportRun(ImportJob job, long? quotaBytes, ImportFiling filing, ImportOptions options, TimeProvider time)
{
    private readonly DateTimeOffset _deadline = time.GetUtcNow() + options.BatchTime;
    private int _handled;

    public ImportJob Job { get; } = job;

    public ImportOptions Options { get; } = options;

    public ImportFiling Filing { get; } = filing;

    public TimeProvider Time { get; } = time;

    /// <summary>IMAP: the source folders this run advanced, saved with the job whatever ends the run.</summary>
    public Dictionary<string, FolderProgress> Progress { get; } = new(StringComparer.Ordinal);

    /// <summary>False once this run has handled its batch or used its time: the rest is the next queue message's.</summary>
    public bool HasBudget => _handled < Options.BatchSize && Time.GetUtcNow() < _deadline;

    /// <summary>Files one message and counts it. Over quota: stops the import (the caller has recorded the progress before this message).</summary>
    public async Task FileAsync(string mailboxId, int folderId, byte[] bytes, DateTimeOffset internalDate, IReadOnlyList<string> flags, string dedupeKey,
        CancellationToken cancellationToken)
    {
        _handled++;
        var outcome = await Filing.FileAsync(mailboxId, folderId, bytes, internalDate, flags, dedupeKey, quotaBytes, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case AppendOutcome.Appended:
            case AppendOutcome.Duplicate: // filed by a run that crashed before it counted it
                Job.MessagesCopied++;
                Job.Bytes += bytes.Length;
                break;
            case AppendOutcome.OverQuota:
                throw new ImportStoppedException(ImportStatus.Quota,
                    $"The mailbox's quota is reached: {Job.MessagesCopied} messages were imported; free space or raise the quota and start the import again to copy the rest.");
            default:
                throw new InvalidOperationException("The target folder was deleted during the import.");
        }
    }

    /// <summary>A message that cannot be imported (too large, unreadable): counted, named in the status, skipped.</summary>
    public void Skip(string reason)
    {
        _handled++;
        Job.Errors++;
        Job.LastError = reason;
    }
}

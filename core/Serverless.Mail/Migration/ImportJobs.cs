using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Migration;

/// <summary>
/// The <c>imports</c> table: a row per import and, per IMAP source and folder, how far it has been
/// copied (<see cref="FolderProgress"/>) — keyed by the source server and user, not by the import,
/// so running an import of the same source again copies only what is new. A run writes its job row
/// and its folders' progress in one entity-group transaction (one partition: the mailbox), guarded
/// by the job row's ETag, so a cancel or another run in between makes it stop instead of overwrite.
/// </summary>
public sealed class ImportJobs(MailStorage storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.ImportsTable);

    /// <summary>The key of an IMAP source: host, port and user, hashed (the row key says nothing about them).</summary>
    public static string SourceKey(string host, int port, string username) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{host.ToLowerInvariant()}|{port}|{username}"))[..16]);

    private static string ProgressPrefix(string sourceKey) => "src|" + sourceKey + "|";

    /// <summary>Deletes a deleted mailbox's whole partition (jobs and progress rows): one query and one transaction per 100 rows. Returns the rows deleted.</summary>
    public async Task<int> DeleteMailboxAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {mailboxId}"), select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(e);
        }
        foreach (var chunk in rows.Chunk(100))
        {
            await _table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken)
                .ConfigureAwait(false);
        }
        return rows.Count;
    }

    public async Task CreateAsync(ImportJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var response = await _table.AddEntityAsync(job.ToEntity(), cancellationToken).ConfigureAwait(false);
        job.ETag = response.Headers.ETag ?? default;
    }

    public async Task<ImportJob?> GetAsync(string mailboxId, string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(mailboxId, ImportJob.RowKey(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? ImportJob.FromEntity(response.Value!) : null;
    }

    /// <summary>Writes the job under its ETag, with <paramref name="progress"/> upserted in the same transaction. False: changed elsewhere (cancelled, or another run).</summary>
    public async Task<bool> SaveAsync(ImportJob job, string? sourceKey, IEnumerable<FolderProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, job.ToEntity(), job.ETag) };
        foreach (var p in progress)
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(job.MailboxId, ProgressPrefix(sourceKey!) + KeyEscaping.Escape(p.Folder))
            {
                ["Folder"] = p.Folder, ["UidValidity"] = p.UidValidity, ["LastUid"] = p.LastUid,
            }));
        }
        try
        {
            // The job row and up to 99 folders in one transaction; more folders (rare) follow in
            // further ones, after the job row was accepted (progress only ever moves forward).
            var response = await _table.SubmitTransactionAsync(actions.Take(100), cancellationToken).ConfigureAwait(false);
            job.ETag = response.Value[0].Headers.ETag ?? default;
            foreach (var rest in actions.Skip(100).Chunk(100))
            {
                await _table.SubmitTransactionAsync(rest, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>Takes the job for one run: a lease under its ETag. Null when another run holds it or it changed meanwhile.</summary>
    public async Task<ImportJob?> LeaseAsync(ImportJob job, DateTimeOffset now, TimeSpan leaseTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.LeaseUntil is { } until && until > now)
        {
            return null;
        }
        job.LeaseUntil = now + leaseTime;
        job.LeaseId = Guid.NewGuid().ToString("N");
        try
        {
            var response = await _table.UpdateEntityAsync(job.ToEntity(), job.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            job.ETag = response.Headers.ETag ?? default;
            return job;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Marks the import cancelled and forgets the source password; a run in progress sees the changed row and stops. Returns the job as it ends up, or null.</summary>
    public async Task<ImportJob?> CancelAsync(string mailboxId, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var job = await GetAsync(mailboxId, id, cancellationToken).ConfigureAwait(false);
            if (job is null || ImportStatus.IsTerminal(job.Status))
            {
                return job;
            }
            job.Finish(ImportStatus.Cancelled, now);
            try
            {
                await _table.UpdateEntityAsync(job.ToEntity(), job.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return job;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 10)
            {
                // a run saved meanwhile: read again
            }
        }
    }

    /// <summary>What every earlier import of this source into the mailbox copied, by source folder.</summary>
    public async Task<Dictionary<string, FolderProgress>> GetProgressAsync(string mailboxId, string sourceKey, CancellationToken cancellationToken)
    {
        var prefix = ProgressPrefix(sourceKey);
        var result = new Dictionary<string, FolderProgress>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {mailboxId} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var folder = e.GetString("Folder");
            result[folder] = new FolderProgress(folder, e.GetInt64("UidValidity") ?? 0, e.GetInt64("LastUid") ?? 0);
        }
        return result;
    }
}

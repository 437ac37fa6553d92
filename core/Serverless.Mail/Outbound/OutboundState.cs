using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Outbound;

public enum ClaimOutcome
{
    /// <summary>This invocation holds the lease and may deliver.</summary>
    Claimed,

    /// <summary>The message is finished (a redelivered queue message).</summary>
    Done,

    /// <summary>An older copy of the queue message: a newer generation exists; drop it.</summary>
    Stale,

    /// <summary>Another invocation holds the lease right now.</summary>
    Busy,

    /// <summary>An operator holds it: drop this copy; a release queues a new one.</summary>
    Held,
}

/// <summary>
/// Per-message, per-recipient delivery state in the <c>outbound</c> table, so that a retried or
/// redelivered queue message never sends to a recipient that already accepted. PartitionKey =
/// the tenant (escaped; "-" for none) — the listing reads one partition, and per-tenant rate
/// limits keep a partition far below its throughput limit; RowKey = escaped message id for the
/// message row, <c>{id}|r{index:D4}</c> for its recipients. One query loads a message; results
/// of one domain are one entity-group transaction.
/// </summary>
public sealed class OutboundState(MailStorage storage)
{
    public const string NoTenant = "-";
    private const int MaxBatch = 100;
    private readonly TableClient _table = storage.Table(StorageNames.OutboundTable);

    public static string TenantKey(string? tenantId) => string.IsNullOrEmpty(tenantId) ? NoTenant : KeyEscaping.Escape(tenantId);

    public static string RecipientKey(string messageKey, int index) => $"{messageKey}|r{index.ToString("D4", CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Takes the lease on a message for this attempt, creating its rows on the first one. The
    /// lease is an ETag-guarded update, so two copies of a queue message never deliver at once.
    /// </summary>
    public async Task<(ClaimOutcome Outcome, OutboundMessageRecord? Record)> ClaimAsync(OutboundRelayMessage message, DateTimeOffset now, TimeSpan lease,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var pk = TenantKey(message.TenantId);
        var id = KeyEscaping.Escape(message.Id);
        for (var round = 0; round < 5; round++)
        {
            // A first attempt usually finds nothing: try to create straight away and read only on a conflict.
            if (round == 0 && message.Attempt == 0 && await TryCreateAsync(message, pk, id, now, lease, cancellationToken).ConfigureAwait(false) is { } fresh)
            {
                return (ClaimOutcome.Claimed, fresh);
            }
            var record = await LoadAsync(pk, message.Id, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                if (message.Attempt > 0)
                {
                    return (ClaimOutcome.Stale, null); // a later generation of a message whose rows are gone
                }
                if (await TryCreateAsync(message, pk, id, now, lease, cancellationToken).ConfigureAwait(false) is { } created)
                {
                    return (ClaimOutcome.Claimed, created);
                }
                continue; // someone created it meanwhile
            }
            if (record.Done)
            {
                return (ClaimOutcome.Done, record);
            }
            if (message.Attempt < record.Attempt)
            {
                return (ClaimOutcome.Stale, record);
            }
            if (record.Held)
            {
                return (ClaimOutcome.Held, record);
            }
            if (record.LeaseUntil is { } until && until > now)
            {
                return (ClaimOutcome.Busy, record);
            }
            var entity = new TableEntity(pk, id) { ["LeaseUntil"] = now + lease, ["LastAttemptAt"] = now, ["Attempt"] = Math.Max(message.Attempt, record.Attempt) };
            try
            {
                var response = await _table.UpdateEntityAsync(entity, record.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return (ClaimOutcome.Claimed, record with { LeaseUntil = now + lease, LastAttemptAt = now, Attempt = Math.Max(message.Attempt, record.Attempt), ETag = response.Headers.ETag ?? default });
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Changed under us: read again.
            }
        }
        return (ClaimOutcome.Busy, null);
    }

    private async Task<OutboundMessageRecord?> TryCreateAsync(OutboundRelayMessage message, string pk, string id, DateTimeOffset now, TimeSpan lease,
        CancellationToken cancellationToken)
    {
        var row = new TableEntity(pk, id)
        {
            ["MessageId"] = message.Id,
            ["Blob"] = message.BlobName,
            ["Holder"] = message.Holder,
            ["Size"] = message.Size,
            ["From"] = message.MailFrom,
            ["Auth"] = message.AuthenticatedAs,
            ["SubmittedAt"] = message.SubmittedAt == default ? now : message.SubmittedAt,
            ["EnvId"] = message.EnvelopeId,
            ["Ret"] = message.Ret,
            ["Body"] = message.Body,
            ["SmtpUtf8"] = message.SmtpUtf8,
            ["Attempt"] = 0,
            ["LeaseUntil"] = now + lease,
            ["LastAttemptAt"] = now,
            ["Done"] = false,
            ["DelayWarned"] = false,
            ["Charged"] = false,
            ["Recipients"] = message.Recipients.Count,
            // What a control request needs to queue the message again (OutboundControl.Requeue).
            ["FwdBy"] = message.ForwardedBy,
            ["Sign"] = message.Sign,
            ["Rated"] = message.Rated,
        };
        var recipients = message.Recipients.Select((r, i) => new TableEntity(pk, RecipientKey(id, i))
        {
            ["Address"] = r.Address,
            ["Notify"] = r.Notify,
            ["ORcpt"] = r.OriginalRecipient,
            ["State"] = nameof(RecipientState.Pending),
            ["Attempts"] = 0,
            ["Reported"] = false,
        }).ToList();
        // Recipient rows first (idempotent upserts), the message row last: once it exists, all are there.
        var actions = recipients.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)).ToList();
        actions.Add(new TableTransactionAction(TableTransactionActionType.Add, row));
        Response<IReadOnlyList<Response>>? last = null;
        try
        {
            foreach (var chunk in actions.Chunk(MaxBatch))
            {
                last = await _table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return null;
        }
        return ToRecord(row, recipients) with { ETag = last!.Value[^1].Headers.ETag ?? default };
    }

    public async Task<OutboundMessageRecord?> LoadAsync(string tenantKey, string messageId, CancellationToken cancellationToken = default)
    {
        var id = KeyEscaping.Escape(messageId);
        var filter = $"PartitionKey eq '{Q(tenantKey)}' and (RowKey eq '{Q(id)}' or (RowKey ge '{Q(id)}|' and RowKey lt '{Q(id)}}}'))";
        TableEntity? row = null;
        var recipients = new List<TableEntity>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey == id)
            {
                row = e;
            }
            else
            {
                recipients.Add(e);
            }
        }
        return row is null ? null : ToRecord(row, recipients);
    }

    /// <summary>Writes recipients' new states (one transaction per 100 rows; the lease makes this invocation the only writer).</summary>
    public async Task SaveRecipientsAsync(OutboundMessageRecord record, IEnumerable<OutboundRecipientRecord> changed, CancellationToken cancellationToken = default)
    {
        var id = KeyEscaping.Escape(record.Id);
        var actions = changed.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateMerge, RecipientEntity(record.TenantKey, id, r))).ToList();
        foreach (var chunk in actions.Chunk(MaxBatch))
        {
            await _table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the message row (and any recipient rows) together, releasing the lease.</summary>
    public async Task SaveAsync(OutboundMessageRecord record, IEnumerable<OutboundRecipientRecord> changed, CancellationToken cancellationToken = default)
    {
        var id = KeyEscaping.Escape(record.Id);
        var row = new TableEntity(record.TenantKey, id)
        {
            ["Attempt"] = record.Attempt,
            // Merge skips null properties, so "none" is written as the epoch (and read back as null).
            ["LeaseUntil"] = record.LeaseUntil ?? DateTimeOffset.UnixEpoch,
            ["NextAttemptAt"] = record.NextAttemptAt ?? DateTimeOffset.UnixEpoch,
            ["Done"] = record.Done,
            ["DelayWarned"] = record.DelayWarned,
            ["Charged"] = record.Charged,
        };
        var actions = changed.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateMerge, RecipientEntity(record.TenantKey, id, r))).ToList();
        actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, row));
        foreach (var chunk in actions.Chunk(MaxBatch))
        {
            await _table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An operator's change to the message row (<see cref="OutboundControl"/>), guarded by the ETag
    /// it was read with: a claim or another control request in between makes it fail with 412.
    /// </summary>
    public async Task<OutboundMessageRecord> ControlAsync(OutboundMessageRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var row = new TableEntity(record.TenantKey, KeyEscaping.Escape(record.Id))
        {
            ["Attempt"] = record.Attempt,
            ["NextAttemptAt"] = record.NextAttemptAt ?? DateTimeOffset.UnixEpoch,
            ["Held"] = record.Held,
            ["Cancelled"] = record.Cancelled,
        };
        var response = await _table.UpdateEntityAsync(row, record.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        return record with { ETag = response.Headers.ETag ?? default };
    }

    /// <summary>
    /// Messages of a tenant with their recipients, one page (a partition range scan). The
    /// continuation token is the row key of the next message, so a page never cuts a message's
    /// recipient rows apart.
    /// </summary>
    public async Task<(IReadOnlyList<OutboundMessageRecord> Items, string? Continuation)> ListAsync(string? tenantId, bool includeDone, int pageSize, string? continuation,
        CancellationToken cancellationToken = default)
    {
        var pk = TenantKey(tenantId);
        var filter = $"PartitionKey eq '{Q(pk)}'" + (string.IsNullOrEmpty(continuation) ? "" : $" and RowKey ge '{Q(continuation)}'");
        var result = new List<OutboundMessageRecord>();
        TableEntity? current = null;
        var currentRecipients = new List<TableEntity>();
        string? next = null;
        void Flush()
        {
            if (current is not null)
            {
                var record = ToRecord(current, currentRecipients);
                if (includeDone || !record.Done)
                {
                    result.Add(record);
                }
            }
            currentRecipients = [];
        }
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!e.RowKey.Contains('|', StringComparison.Ordinal))
            {
                Flush();
                if (result.Count >= pageSize)
                {
                    next = e.RowKey;
                    current = null;
                    break;
                }
                current = e;
            }
            else if (current is not null && e.RowKey.StartsWith(current.RowKey + "|", StringComparison.Ordinal))
            {
                currentRecipients.Add(e);
            }
        }
        if (next is null)
        {
            Flush();
        }
        return (result, next);
    }

    /// <summary>
    /// Deletes finished messages last tried before <paramref name="before"/> with their recipient
    /// rows (a daily upkeep: one filtered scan, then one transaction per message). Returns how many.
    /// </summary>
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"Done eq true and LastAttemptAt lt {before}");
        var finished = new List<(string Pk, string Rk)>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            finished.Add((e.PartitionKey, e.RowKey));
        }
        foreach (var (pk, id) in finished)
        {
            var rows = new List<TableTransactionAction>();
            var rowFilter = $"PartitionKey eq '{Q(pk)}' and RowKey ge '{Q(id)}|' and RowKey lt '{Q(id)}}}'";
            await foreach (var e in _table.QueryAsync<TableEntity>(rowFilter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All));
            }
            // The message row last: while it exists, a redelivered queue message still finds it done.
            rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, id), ETag.All));
            foreach (var chunk in rows.Chunk(MaxBatch))
            {
                try
                {
                    await _table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException e) when (e.Status == 404)
                {
                    // Pruned concurrently.
                }
            }
        }
        return finished.Count;
    }

    private static TableEntity RecipientEntity(string pk, string id, OutboundRecipientRecord r) => new(pk, RecipientKey(id, r.Index))
    {
        ["State"] = r.State.ToString(),
        ["Status"] = r.Status,
        ["Diagnostic"] = Truncate(r.Diagnostic, 2000),
        ["RemoteMta"] = r.RemoteMta,
        ["Attempts"] = r.Attempts,
        ["UpdatedAt"] = r.UpdatedAt,
        ["Reported"] = r.Reported,
    };

    private static OutboundMessageRecord ToRecord(TableEntity row, IEnumerable<TableEntity> recipients) => new()
    {
        Id = row.GetString("MessageId") ?? KeyEscaping.Unescape(row.RowKey),
        TenantKey = row.PartitionKey,
        BlobName = row.GetString("Blob") ?? "",
        BlobHolder = row.GetString("Holder"),
        Size = row.GetInt64("Size") ?? 0,
        MailFrom = row.GetString("From") ?? "",
        AuthenticatedAs = row.GetString("Auth"),
        SubmittedAt = row.GetDateTimeOffset("SubmittedAt") ?? default,
        EnvelopeId = row.GetString("EnvId"),
        Ret = row.GetString("Ret"),
        Body = row.GetString("Body"),
        SmtpUtf8 = row.GetBoolean("SmtpUtf8") ?? false,
        Attempt = row.GetInt32("Attempt") ?? 0,
        LeaseUntil = NullIfEpoch(row.GetDateTimeOffset("LeaseUntil")),
        LastAttemptAt = row.GetDateTimeOffset("LastAttemptAt"),
        NextAttemptAt = NullIfEpoch(row.GetDateTimeOffset("NextAttemptAt")),
        Done = row.GetBoolean("Done") ?? false,
        DelayWarned = row.GetBoolean("DelayWarned") ?? false,
        Charged = row.GetBoolean("Charged") ?? false,
        Held = row.GetBoolean("Held") ?? false,
        Cancelled = row.GetBoolean("Cancelled") ?? false,
        ForwardedBy = row.GetString("FwdBy"),
        Sign = row.GetBoolean("Sign"),
        Rated = row.GetBoolean("Rated") ?? false,
        ETag = row.ETag,
        Recipients = recipients.Select(e => new OutboundRecipientRecord
        {
            Index = int.Parse(e.RowKey.AsSpan(e.RowKey.LastIndexOf("|r", StringComparison.Ordinal) + 2), CultureInfo.InvariantCulture),
            Address = e.GetString("Address") ?? "",
            Notify = e.GetString("Notify"),
            OriginalRecipient = e.GetString("ORcpt"),
            State = Enum.TryParse<RecipientState>(e.GetString("State"), out var s) ? s : RecipientState.Pending,
            Status = e.GetString("Status"),
            Diagnostic = e.GetString("Diagnostic"),
            RemoteMta = e.GetString("RemoteMta"),
            Attempts = e.GetInt32("Attempts") ?? 0,
            UpdatedAt = e.GetDateTimeOffset("UpdatedAt"),
            Reported = e.GetBoolean("Reported") ?? false,
        }).OrderBy(r => r.Index).ToList(),
    };

    private static DateTimeOffset? NullIfEpoch(DateTimeOffset? value) => value is { } v && v > DateTimeOffset.UnixEpoch ? v : null;

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    private static string Q(string value) => value.Replace("'", "''", StringComparison.Ordinal);
}

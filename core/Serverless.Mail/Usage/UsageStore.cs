using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Usage;

/// <summary>Storage transactions by the kinds the storage bill prices apart.</summary>
public static class TransactionKinds
{
    public const string BlobWrite = "blobWrite";
    public const string BlobRead = "blobRead";
    public const string BlobOther = "blobOther";
    public const string Queue = "queue";
    public const string Table = "table";

    public static readonly IReadOnlyList<string> All = [BlobWrite, BlobRead, BlobOther, Queue, Table];

    /// <summary>The kind of a request the <see cref="StorageRequestMeter"/> counted.</summary>
    public static string Of(StorageRequestKey key) => key.Service switch
    {
        "blob" => key.Operation is "PUT" or "PutBlock" or "PutBlockList" or "POST" ? BlobWrite : key.Operation is "GET" or "HEAD" ? BlobRead : BlobOther,
        "queue" => Queue,
        "table" => Table,
        _ => BlobOther,
    };
}

/// <summary>One hour of a tenant's usage (a row of the <c>usage</c> table).</summary>
public sealed record UsageHour(DateTimeOffset Start)
{
    public long MessagesIn { get; init; }
    public long BytesIn { get; init; }
    public long MessagesOut { get; init; }
    public long BytesOut { get; init; }

    /// <summary>Bytes in the tenant's mailboxes when the hourly timer last looked (null: not looked this hour).</summary>
    public long? StoredBytes { get; init; }

    public long? Mailboxes { get; init; }

    public IReadOnlyDictionary<string, long> Transactions { get; init; } = new Dictionary<string, long>();
}

/// <summary>
/// The <c>usage</c> table: PartitionKey = the tenant (escaped), RowKey = the UTC hour
/// <c>yyyyMMddHH</c> — at most 24 rows per tenant and day, whatever the traffic. Every process adds
/// its counts with an ETag-guarded read-modify-write (<see cref="AddAsync"/>); the hourly timer sets
/// the stored bytes and mailbox count.
/// </summary>
public sealed class UsageStore(MailStorage storage)
{
    private const int Rounds = 8;
    private readonly TableClient _table = storage.Table(StorageNames.UsageTable);

    public static string HourKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>Adds counts to a tenant's hour row (created when absent).</summary>
    public async Task AddAsync(string tenant, DateTimeOffset hour, MessageTotals messages, IReadOnlyDictionary<string, long> transactions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        await UpdateAsync(tenant, hour, row =>
        {
            Add(row, "MessagesIn", messages.MessagesIn);
            Add(row, "BytesIn", messages.BytesIn);
            Add(row, "MessagesOut", messages.MessagesOut);
            Add(row, "BytesOut", messages.BytesOut);
            foreach (var (kind, count) in transactions)
            {
                Add(row, "Tx_" + kind, count);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records what the tenant stores at this hour (the last look wins).</summary>
    public Task SetStoredAsync(string tenant, DateTimeOffset hour, long bytes, long mailboxes, CancellationToken cancellationToken = default) =>
        UpdateAsync(tenant, hour, row =>
        {
            row["StoredBytes"] = bytes;
            row["Mailboxes"] = mailboxes;
        }, cancellationToken);

    /// <summary>A tenant's hour rows in [from, to), one partition range query.</summary>
    public async Task<IReadOnlyList<UsageHour>> ReadAsync(string tenant, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq '{Q(KeyEscaping.Escape(tenant))}' and RowKey ge '{HourKey(from)}' and RowKey lt '{HourKey(to)}'";
        var list = new List<UsageHour>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(ToHour(e));
        }
        return list;
    }

    /// <summary>Every tenant's hour rows in [from, to), by tenant (one query across partitions, for the admin's overview).</summary>
    public async Task<IReadOnlyDictionary<string, List<UsageHour>>> ReadAllAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var filter = $"RowKey ge '{HourKey(from)}' and RowKey lt '{HourKey(to)}'";
        var byTenant = new SortedDictionary<string, List<UsageHour>>(StringComparer.Ordinal);
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var tenant = KeyEscaping.Unescape(e.PartitionKey);
            if (!byTenant.TryGetValue(tenant, out var hours))
            {
                byTenant[tenant] = hours = [];
            }
            hours.Add(ToHour(e));
        }
        return byTenant;
    }

    /// <summary>
    /// Deletes every tenant's hour rows before <paramref name="before"/> (the daily upkeep, with
    /// <see cref="UsageOptions.Retention"/>): one query across partitions selecting only the keys,
    /// one entity-group transaction per tenant and 100 rows. Returns the rows deleted.
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var old = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        await foreach (var e in _table.QueryAsync<TableEntity>($"RowKey lt '{HourKey(before)}'", select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            (old.TryGetValue(e.PartitionKey, out var rows) ? rows : old[e.PartitionKey] = []).Add(e);
        }
        var deleted = 0;
        foreach (var rows in old.Values)
        {
            foreach (var chunk in rows.Chunk(100))
            {
                await _table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken)
                    .ConfigureAwait(false);
                deleted += chunk.Length;
            }
        }
        return deleted;
    }

    private async Task UpdateAsync(string tenant, DateTimeOffset hour, Action<TableEntity> change, CancellationToken cancellationToken)
    {
        var pk = KeyEscaping.Escape(tenant);
        var rk = HourKey(hour);
        for (var round = 0; ; round++)
        {
            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
            var row = existing.HasValue ? existing.Value! : new TableEntity(pk, rk);
            change(row);
            try
            {
                if (existing.HasValue)
                {
                    await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && round < Rounds)
            {
                // Another process wrote the row meanwhile: add to what it wrote.
            }
        }
    }

    private static void Add(TableEntity row, string key, long value)
    {
        if (value != 0)
        {
            row[key] = (row.GetInt64(key) ?? 0) + value;
        }
    }

    private static UsageHour ToHour(TableEntity e) => new(DateTimeOffset.ParseExact(e.RowKey, "yyyyMMddHH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
    {
        MessagesIn = e.GetInt64("MessagesIn") ?? 0,
        BytesIn = e.GetInt64("BytesIn") ?? 0,
        MessagesOut = e.GetInt64("MessagesOut") ?? 0,
        BytesOut = e.GetInt64("BytesOut") ?? 0,
        StoredBytes = e.GetInt64("StoredBytes"),
        Mailboxes = e.GetInt64("Mailboxes"),
        Transactions = TransactionKinds.All.ToDictionary(k => k, k => e.GetInt64("Tx_" + k) ?? 0),
    };

    private static string Q(string value) => value.Replace("'", "''", StringComparison.Ordinal);
}

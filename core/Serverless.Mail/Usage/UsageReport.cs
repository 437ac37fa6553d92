using System.Globalization;
using Serverless.Mail.Provisioning;

namespace Serverless.Mail.Usage;

public sealed record TransactionCounts(long BlobWrite, long BlobRead, long BlobOther, long Queue, long Table);

/// <summary>The estimate, in <see cref="UsagePricesView.Currency"/>: storage transactions, capacity, function executions.</summary>
public sealed record UsageCostView(decimal Transactions, decimal Capacity, decimal Functions, decimal Total);

/// <summary>One hour or day (or the total) of a tenant's usage.</summary>
public sealed record UsageBucketView(DateTimeOffset Start, long MessagesIn, long MessagesOut, long BytesIn, long BytesOut, long? StoredBytes, long? Mailboxes,
    TransactionCounts Transactions, UsageCostView Cost);

public sealed record UsagePricesView(string AsOf, string Currency, string Source);

public sealed record UsageReportView(string Tenant, DateTimeOffset From, DateTimeOffset To, string Granularity, UsagePricesView Prices,
    IReadOnlyList<UsageBucketView> Items, UsageBucketView Total);

public sealed record TenantUsageTotalView(string Tenant, UsageBucketView Total);

public sealed record UsageOverviewView(DateTimeOffset From, DateTimeOffset To, UsagePricesView Prices, IReadOnlyList<TenantUsageTotalView> Items);

/// <summary>
/// A tenant's usage from the <c>usage</c> table's hour rows, by hour or by day, with a cost
/// estimate from the dated price table (<see cref="UsagePrices"/>). Capacity: each hourly sample of
/// the stored bytes pays for its hour. Functions: one execution per message in or out.
/// </summary>
public sealed class UsageReport(UsageStore store, UsageOptions options, TimeProvider time)
{
    public async Task<ProvisioningOutcome<UsageReportView>> ForTenantAsync(string tenant, string? from, string? to, string? granularity, CancellationToken cancellationToken)
    {
        var daily = granularity switch
        {
            null or "hour" => false,
            "day" => true,
            _ => (bool?)null,
        };
        if (daily is null)
        {
            return ProvisioningError.Invalid("granularity", "must be hour or day.");
        }
        if (Range(from, to, daily.Value) is not { } range)
        {
            return RangeError(from, to, daily.Value);
        }
        var hours = await store.ReadAsync(tenant, range.From, range.To, cancellationToken).ConfigureAwait(false);
        var items = hours.GroupBy(h => daily.Value ? new DateTimeOffset(h.Start.UtcDateTime.Date, TimeSpan.Zero) : h.Start)
            .OrderBy(g => g.Key).Select(g => Bucket(g.Key, g.ToList())).ToList();
        return new UsageReportView(tenant, range.From, range.To, daily.Value ? "day" : "hour", Prices, items, Bucket(range.From, hours));
    }

    /// <summary>Every tenant's totals over the range (the admin's overview).</summary>
    public async Task<ProvisioningOutcome<UsageOverviewView>> AllAsync(string? from, string? to, CancellationToken cancellationToken)
    {
        if (Range(from, to, daily: true) is not { } range)
        {
            return RangeError(from, to, daily: true);
        }
        var all = await store.ReadAllAsync(range.From, range.To, cancellationToken).ConfigureAwait(false);
        return new UsageOverviewView(range.From, range.To, Prices, all.Select(p => new TenantUsageTotalView(p.Key, Bucket(range.From, p.Value))).ToList());
    }

    private UsagePricesView Prices => new(options.Prices.AsOf, options.Prices.Currency, options.Prices.Source);

    private int MaxHours(bool daily) => daily ? 366 * 24 : options.MaxHours;

    /// <summary>[from, to) on whole hours (days for day granularity); default the last 24 hours, or the last 30 days by day.</summary>
    private (DateTimeOffset From, DateTimeOffset To)? Range(string? from, string? to, bool daily)
    {
        DateTimeOffset Floor(DateTimeOffset t) => daily
            ? new DateTimeOffset(t.UtcDateTime.Date, TimeSpan.Zero)
            : new DateTimeOffset(t.UtcDateTime.Year, t.UtcDateTime.Month, t.UtcDateTime.Day, t.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        var step = daily ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        DateTimeOffset end, start;
        if (to is null)
        {
            end = Floor(time.GetUtcNow()) + step;
        }
        else if (Parse(to) is { } t)
        {
            end = Floor(t) == t ? t : Floor(t) + step;
        }
        else
        {
            return null;
        }
        if (from is null)
        {
            start = end - (daily ? TimeSpan.FromDays(30) : TimeSpan.FromHours(24));
        }
        else if (Parse(from) is { } f)
        {
            start = Floor(f);
        }
        else
        {
            return null;
        }
        return start < end && (end - start).TotalHours <= MaxHours(daily) ? (start, end) : null;
    }

    private ProvisioningError RangeError(string? from, string? to, bool daily)
    {
        if (from is not null && Parse(from) is null)
        {
            return ProvisioningError.Invalid("from", "must be an ISO 8601 date or time, e.g. 2026-12-01 or 2026-12-01T10:00:00Z.");
        }
        if (to is not null && Parse(to) is null)
        {
            return ProvisioningError.Invalid("to", "must be an ISO 8601 date or time, e.g. 2026-12-02 or 2026-12-01T12:00:00Z.");
        }
        return ProvisioningError.Invalid("from", $"must be before 'to', and the range at most {MaxHours(daily) / 24} days for granularity {(daily ? "day" : "hour")}.");
    }

    private static DateTimeOffset? Parse(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    private UsageBucketView Bucket(DateTimeOffset start, IReadOnlyCollection<UsageHour> hours)
    {
        var p = options.Prices;
        long Tx(string kind) => hours.Sum(h => h.Transactions.GetValueOrDefault(kind));
        var tx = new TransactionCounts(Tx(TransactionKinds.BlobWrite), Tx(TransactionKinds.BlobRead), Tx(TransactionKinds.BlobOther), Tx(TransactionKinds.Queue),
            Tx(TransactionKinds.Table));
        var txCost = (tx.BlobWrite * p.BlobWritePer10K + tx.BlobRead * p.BlobReadPer10K + tx.BlobOther * p.BlobOtherPer10K + tx.Queue * p.QueuePer10K + tx.Table * p.TablePer10K) / 10_000m;
        var capacity = hours.Where(h => h.StoredBytes is not null).Sum(h => h.StoredBytes!.Value / 1_000_000_000m * p.StoredGbMonth / 730m);
        var executions = hours.Sum(h => h.MessagesIn + h.MessagesOut);
        var functions = executions * p.FunctionExecutionsPerMillion / 1_000_000m + executions * p.FunctionGbSecondsPerMessage * p.FunctionGbSecond;
        var last = hours.Where(h => h.StoredBytes is not null).MaxBy(h => h.Start);
        return new UsageBucketView(start, hours.Sum(h => h.MessagesIn), hours.Sum(h => h.MessagesOut), hours.Sum(h => h.BytesIn), hours.Sum(h => h.BytesOut),
            last?.StoredBytes, last?.Mailboxes, tx,
            new UsageCostView(Round(txCost), Round(capacity), Round(functions), Round(txCost + capacity + functions)));
    }

    private static decimal Round(decimal value) => Math.Round(value, 6);
}

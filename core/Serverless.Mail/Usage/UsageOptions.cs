namespace Serverless.Mail.Usage;

/// <summary>Usage recording and the price table of the cost estimate (section <c>Mail:Usage</c>).</summary>
public sealed class UsageOptions
{
    public const string Section = "Mail:Usage";

    /// <summary>How often each process writes what its meters counted since the last time (also at shutdown).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest range one usage request may ask for, in hour rows (31 days); day granularity allows 366 days.</summary>
    public int MaxHours { get; set; } = 31 * 24;

    public UsagePrices Prices { get; set; } = new();

    /// <summary>How long hour rows are kept: the daily upkeep deletes older ones (400 days: a year of day-granularity reports and some).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>How long a process uses a tenant's quotas and its messages today before reading them again (<see cref="TenantQuotaGate"/>).</summary>
    public TimeSpan QuotaRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a process uses a tenant's stored bytes (the sum of its mailboxes' counters) before adding them up again.</summary>
    public TimeSpan StoredRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The prices the estimate multiplies by, with the date they were taken. Defaults: Azure pay-as-you-go
/// list prices (USD, East US) for Storage LRS hot tier and Functions Flex Consumption on demand, as the
/// README's cost section gives them; set your region's and contract's prices here.
/// </summary>
public sealed class UsagePrices
{
    /// <summary>When these prices were read from the price list (ISO date; the defaults are the README's 2025 figures, to be re-checked).</summary>
    public string AsOf { get; set; } = "2025";

    public string Currency { get; set; } = "USD";

    public string Source { get; set; } = "Azure pay-as-you-go list prices, East US: Storage LRS hot (blob, queue, table), Functions Flex Consumption on demand";

    /// <summary>Blob write operations (Put Blob, Put Block, Put Block List), per 10,000.</summary>
    public decimal BlobWritePer10K { get; set; } = 0.055m;

    /// <summary>Blob read operations, per 10,000.</summary>
    public decimal BlobReadPer10K { get; set; } = 0.0044m;

    /// <summary>Other blob operations (delete, properties), per 10,000.</summary>
    public decimal BlobOtherPer10K { get; set; } = 0.0044m;

    public decimal QueuePer10K { get; set; } = 0.004m;

    public decimal TablePer10K { get; set; } = 0.00036m;

    /// <summary>Blob capacity, per GB and month (730 hours).</summary>
    public decimal StoredGbMonth { get; set; } = 0.018m;

    /// <summary>Flex Consumption on-demand executions, per million.</summary>
    public decimal FunctionExecutionsPerMillion { get; set; } = 0.40m;

    /// <summary>Flex Consumption on-demand execution time, per GB-second.</summary>
    public decimal FunctionGbSecond { get; set; } = 0.000026m;

    /// <summary>The memory-time one ingest or relay execution takes, in GB-seconds (≈ 0.2 s on a 2 GB instance): not measured per tenant.</summary>
    public decimal FunctionGbSecondsPerMessage { get; set; } = 0.4m;
}

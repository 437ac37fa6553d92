using System.Collections.Concurrent;
using Azure;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;

namespace Serverless.Mail.Usage;

/// <summary>What a tenant's quotas say about taking more.</summary>
public enum QuotaVerdict
{
    /// <summary>Within every limit (or no limits).</summary>
    Within,

    /// <summary>A limit is reached for now (bytes stored, messages today): SMTP 452 4.2.2, IMAP NO [OVERQUOTA].</summary>
    Full,

    /// <summary>The message alone is larger than the tenant's whole byte quota: it can never fit (SMTP 552 5.2.2).</summary>
    NeverFits,
}

/// <summary>A tenant's limits and what it uses of them, as one process sees it.</summary>
public sealed record TenantQuotaStatus(TenantQuotas Limits, long StoredBytes, long Mailboxes, long MessagesToday);

/// <summary>
/// Tenant-level quotas (<see cref="TenantQuotas"/>) checked on the hot paths — SMTP RCPT and the end
/// of DATA, IMAP APPEND and COPY — from a figure each process caches per tenant, so a message costs
/// no storage request of its own:
/// <list type="bullet">
/// <item>the limits (the tenant row) and the messages of the current UTC day (the tenant's <c>usage</c>
/// hour rows, one range query) are read at most every <see cref="UsageOptions.QuotaRefreshInterval"/> (1 min);</item>
/// <item>the bytes stored are the sum of the mailboxes' own counters (those the mailbox quotas check in
/// the append's transaction), added up at most every <see cref="UsageOptions.StoredRefreshInterval"/> (5 min),
/// and only for a tenant with a byte limit;</item>
/// <item>what this process itself filed or relayed since (<see cref="TenantUsageMeter"/>) is added at once.</item>
/// </list>
/// So the figure lags by at most those intervals plus the usage flush (<see cref="UsageOptions.FlushInterval"/>,
/// 5 min) for what other processes did: a tenant may go over by what arrives in that time. That is
/// safe enough for a cost and abuse guard — each mailbox's own quota is still exact, and refusals
/// are temporary (452), so mail refused by a stale figure is retried, not lost. A storage failure
/// keeps the last figure, or lets mail through when there is none: quotas never make mail fail.
/// </summary>
public sealed partial class TenantQuotaGate(MailDirectory directory, UsageStore usage, UsageSampler sampler, TenantUsageMeter meter, UsageOptions options,
    TimeProvider time, ILogger<TenantQuotaGate> logger)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Mail for the tenant's mailboxes (MX, local recipients of a submission): bytes and messages today. <paramref name="size"/> 0 = not known yet.</summary>
    public async Task<QuotaVerdict> CheckDeliveryAsync(string tenant, long size, CancellationToken cancellationToken = default)
    {
        var figure = await CurrentAsync(tenant, cancellationToken).ConfigureAwait(false);
        return figure is null ? QuotaVerdict.Within : Worst(Bytes(figure, size), Messages(figure));
    }

    /// <summary>A message the tenant's user adds to a mailbox (IMAP APPEND, COPY): bytes only.</summary>
    public async Task<QuotaVerdict> CheckStoreAsync(string tenant, long size, CancellationToken cancellationToken = default)
    {
        var figure = await CurrentAsync(tenant, cancellationToken).ConfigureAwait(false);
        return figure is null ? QuotaVerdict.Within : Bytes(figure, size);
    }

    /// <summary>A message the tenant's user sends (submission): messages today only.</summary>
    public async Task<QuotaVerdict> CheckSendingAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var figure = await CurrentAsync(tenant, cancellationToken).ConfigureAwait(false);
        return figure is null ? QuotaVerdict.Within : Messages(figure);
    }

    /// <summary>The limits and the usage now, read past the cache (for the API; one usage read per mailbox).</summary>
    public async Task<TenantQuotaStatus?> ReadAsync(string tenant, CancellationToken cancellationToken = default)
    {
        if (await directory.GetTenantAsync(tenant, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return null;
        }
        var (bytes, mailboxes) = await sampler.StoredAsync(tenant, cancellationToken).ConfigureAwait(false);
        var messages = await MessagesTodayAsync(tenant, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return new TenantQuotaStatus(record.Quotas, bytes, mailboxes, messages);
    }

    /// <summary>How many mailboxes the tenant has now (one directory page per 1,000), for the mailbox limit at creation.</summary>
    public async Task<long> CountMailboxesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        long count = 0;
        string? continuation = null;
        do
        {
            var (items, next) = await directory.ListTenantAddressesAsync(tenant, AddressKind.Mailbox, null, continuation, 1000, cancellationToken).ConfigureAwait(false);
            count += items.Count;
            continuation = next;
        }
        while (continuation is not null);
        return count;
    }

    /// <summary>Drops this process's figure (the quotas just changed here); other processes see the change within the refresh interval.</summary>
    public void Forget(string tenant) => _entries.TryRemove(tenant, out _);

    private static QuotaVerdict Worst(QuotaVerdict a, QuotaVerdict b) => (QuotaVerdict)Math.Max((int)a, (int)b);

    private QuotaVerdict Bytes(Figure f, long size)
    {
        var limit = f.Limits.StoredBytes;
        if (limit <= 0)
        {
            return QuotaVerdict.Within;
        }
        if (size > limit)
        {
            return QuotaVerdict.NeverFits;
        }
        var stored = f.Stored + (meter.For(f.Tenant).BytesIn - f.LocalBytesAtStored);
        return stored >= limit || stored + size > limit ? QuotaVerdict.Full : QuotaVerdict.Within;
    }

    private QuotaVerdict Messages(Figure f)
    {
        var limit = f.Limits.MessagesPerDay;
        if (limit <= 0)
        {
            return QuotaVerdict.Within;
        }
        var local = meter.For(f.Tenant);
        var today = f.Messages + (local.MessagesIn + local.MessagesOut - f.LocalMessages);
        return today >= limit ? QuotaVerdict.Full : QuotaVerdict.Within;
    }

    private async Task<Figure?> CurrentAsync(string tenant, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = _entries.GetOrAdd(tenant, _ => new Entry());
        if (entry.Figure is { } current && Fresh(current, now))
        {
            return current;
        }
        // One read per tenant at a time: the other sessions wait for it rather than read too.
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.Figure is { } again && Fresh(again, now))
            {
                return again;
            }
            try
            {
                entry.Figure = await ReadFigureAsync(tenant, entry.Figure, now, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException)
            {
                LogReadFailed(e, tenant);
                if (entry.Figure is { } stale)
                {
                    entry.Figure = stale with { ReadAt = now }; // try again after one more interval, not on every message
                }
            }
            return entry.Figure;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private bool Fresh(Figure f, DateTimeOffset now) => now - f.ReadAt < options.QuotaRefreshInterval && f.Day == now.UtcDateTime.Date;

    private async Task<Figure> ReadFigureAsync(string tenant, Figure? previous, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var limits = (await directory.GetTenantAsync(tenant, cancellationToken).ConfigureAwait(false))?.Quotas ?? TenantQuotas.None;
        var local = meter.For(tenant);
        var messages = limits.MessagesPerDay > 0 ? await MessagesTodayAsync(tenant, now, cancellationToken).ConfigureAwait(false) : 0;
        var figure = new Figure(tenant, limits, now, now.UtcDateTime.Date, messages, local.MessagesIn + local.MessagesOut);
        if (limits.StoredBytes <= 0)
        {
            return figure;
        }
        if (previous is { StoredAt: { } at } && now - at < options.StoredRefreshInterval)
        {
            return figure with { Stored = previous.Stored, StoredAt = at, LocalBytesAtStored = previous.LocalBytesAtStored };
        }
        var (bytes, _) = await sampler.StoredAsync(tenant, cancellationToken).ConfigureAwait(false);
        return figure with { Stored = bytes, StoredAt = now, LocalBytesAtStored = local.BytesIn };
    }

    /// <summary>Messages in and out of the current UTC day as the <c>usage</c> rows hold them (one partition range query, ≤ 24 rows).</summary>
    private async Task<long> MessagesTodayAsync(string tenant, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var hours = await usage.ReadAsync(tenant, day, day.AddDays(1), cancellationToken).ConfigureAwait(false);
        return hours.Sum(h => h.MessagesIn + h.MessagesOut);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota figure of tenant {Tenant} not read; using the last one (or none)")]
    private partial void LogReadFailed(Exception e, string tenant);

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Figure? Figure { get; set; }
    }

    /// <param name="LocalMessages">This process's in + out count when the rows were read (what it counts later is added).</param>
    private sealed record Figure(string Tenant, TenantQuotas Limits, DateTimeOffset ReadAt, DateTime Day, long Messages, long LocalMessages)
    {
        public long Stored { get; init; }

        public DateTimeOffset? StoredAt { get; init; }

        /// <summary>This process's bytes in when <see cref="Stored"/> was added up.</summary>
        public long LocalBytesAtStored { get; init; }
    }
}

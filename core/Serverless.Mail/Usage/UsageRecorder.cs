using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Usage;

/// <summary>
/// Writes what this process's meters counted per tenant since the last flush — storage requests
/// by kind (<see cref="StorageRequestMeter"/>, which tags each with the tenant of the flow that
/// made it) and messages in/out (<see cref="TenantUsageMeter"/>) — into the tenant's current hour
/// row. Requests no tenant caused (polling, upkeep, this flush) are the service's own and not
/// written. A failed write keeps its counts for the next flush.
/// </summary>
public sealed partial class UsageRecorder(StorageRequestMeter requests, TenantUsageMeter messages, UsageStore store, TimeProvider time, ILogger<UsageRecorder> logger)
    : IDisposable
{
    private readonly Dictionary<string, (MessageTotals Messages, Dictionary<string, long> Transactions)> _written = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Writes the counts not yet written. Returns the tenants written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var transactions = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
            foreach (var (key, totals) in requests.DetailedSnapshot())
            {
                if (key.Tenant is { Length: > 0 } tenant)
                {
                    var kinds = transactions.TryGetValue(tenant, out var k) ? k : transactions[tenant] = [];
                    var kind = TransactionKinds.Of(key);
                    kinds[kind] = kinds.GetValueOrDefault(kind) + totals.Requests;
                }
            }
            var counted = messages.Snapshot();
            var written = 0;
            foreach (var tenant in transactions.Keys.Union(counted.Keys).ToList())
            {
                var nowTx = transactions.GetValueOrDefault(tenant) ?? [];
                var nowMessages = counted.GetValueOrDefault(tenant);
                var (lastMessages, lastTx) = _written.TryGetValue(tenant, out var last) ? last : (default, []);
                var deltaTx = nowTx.ToDictionary(p => p.Key, p => p.Value - lastTx.GetValueOrDefault(p.Key));
                var deltaMessages = nowMessages - lastMessages;
                if (deltaMessages.IsZero && deltaTx.Values.All(v => v == 0))
                {
                    continue;
                }
                try
                {
                    await store.AddAsync(tenant, now, deltaMessages, deltaTx, cancellationToken).ConfigureAwait(false);
                    _written[tenant] = (nowMessages, nowTx);
                    written++;
                }
                catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException)
                {
                    LogFlushFailed(e, tenant);
                }
            }
            return written;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage of tenant {Tenant} not written; kept for the next flush")]
    private partial void LogFlushFailed(Exception e, string tenant);
}

/// <summary>Runs <see cref="UsageRecorder.FlushAsync"/> every <see cref="UsageOptions.FlushInterval"/> in every process, and once more at shutdown (at most 5 s).</summary>
public sealed partial class UsageFlushService(UsageRecorder recorder, UsageOptions options, TimeProvider time, ILogger<UsageFlushService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Storage may be gone at shutdown: the counts of the last minutes are not worth a hanging stop.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(5));
        await FlushAsync(bounded.Token).ConfigureAwait(false);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await recorder.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(e); // never the host's failure: usage is kept for the next flush
        }
        catch (OperationCanceledException)
        {
            // stopping, or the shutdown flush ran out of time
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage flush failed")]
    private partial void LogFailed(Exception e);
}

/// <summary>
/// The hourly timer's part: each tenant's stored bytes and mailbox count into its current hour
/// row (one directory page per 1,000 mailboxes and one usage read per mailbox).
/// </summary>
public sealed class UsageSampler(MailDirectory directory, MailboxIndex index, UsageStore store, TimeProvider time)
{
    public async Task<int> SampleAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var tenants = await directory.ListTenantsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var tenant in tenants)
        {
            var (bytes, mailboxes) = await StoredAsync(tenant.Id, cancellationToken).ConfigureAwait(false);
            await store.SetStoredAsync(tenant.Id, now, bytes, mailboxes, cancellationToken).ConfigureAwait(false);
        }
        return tenants.Count;
    }

    /// <summary>What a tenant stores now: the bytes of all its mailboxes and how many there are.</summary>
    public async Task<(long Bytes, long Mailboxes)> StoredAsync(string tenant, CancellationToken cancellationToken = default)
    {
        long bytes = 0, count = 0;
        string? continuation = null;
        do
        {
            var (items, next) = await directory.ListTenantAddressesAsync(tenant, AddressKind.Mailbox, null, continuation, 1000, cancellationToken).ConfigureAwait(false);
            foreach (var mailbox in items.OfType<AddressEntry.Mailbox>())
            {
                count++;
                bytes += (await index.GetUsageAsync(mailbox.Record.MailboxId, cancellationToken).ConfigureAwait(false))?.Bytes ?? 0;
            }
            continuation = next;
        }
        while (continuation is not null);
        return (bytes, count);
    }
}

using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Outbound;

/// <summary>Whether a send may go ahead now, and if not, when to try again.</summary>
public sealed record RateDecision(bool Allowed, TimeSpan RetryAfter, string? Reason)
{
    public static readonly RateDecision Allow = new(true, TimeSpan.Zero, null);
}

/// <summary>
/// Recipients per hour a mailbox and a tenant may send to, so a stolen password cannot spray the
/// internet. State lives in the <c>ratelimits</c> table so every listener and function instance
/// counts against the same numbers: PartitionKey = tenant, RowKey <c>t</c> (the tenant) and
/// <c>m|{mailbox}</c>, each with the current hourly <c>Window</c> and its <c>Count</c> (a row from
/// an older window counts as zero, so nothing accumulates). A check is one query and one
/// entity-group transaction guarded by ETags. Fixed windows: up to twice the limit can pass
/// around a window boundary — the documented approximation. Forwarding has its own row, <c>f</c>
/// (<see cref="TryAcquireForwardsAsync"/>), and never touches the other two.
/// </summary>
public sealed class SendingRateLimit(MailStorage storage, OutboundOptions options, TimeProvider time)
{
    private readonly TableClient _table = storage.Table(StorageNames.RateLimitsTable);

    /// <summary>Counts <paramref name="recipients"/> against the limits, or refuses without counting anything.</summary>
    public async Task<RateDecision> TryAcquireAsync(string? tenantId, string? mailbox, int recipients, CancellationToken cancellationToken = default)
    {
        var limits = options.RateLimit;
        if (string.IsNullOrEmpty(tenantId) || recipients <= 0)
        {
            return RateDecision.Allow;
        }
        var checks = new List<(string RowKey, int Limit, string What)>();
        if (limits.PerTenantPerHour > 0)
        {
            checks.Add(("t", limits.PerTenantPerHour, $"tenant {tenantId}"));
        }
        if (limits.PerMailboxPerHour > 0 && !string.IsNullOrEmpty(mailbox))
        {
            checks.Add(("m|" + KeyEscaping.Escape(mailbox.ToLowerInvariant()), limits.PerMailboxPerHour, mailbox));
        }
        return await AcquireAsync(tenantId, checks, recipients, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts forwarded recipients against the tenant's forwarding limit only.</summary>
    public async Task<RateDecision> TryAcquireForwardsAsync(string? tenantId, int recipients, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(tenantId) || recipients <= 0 || options.RateLimit.ForwardsPerHour <= 0)
        {
            return RateDecision.Allow;
        }
        return await AcquireAsync(tenantId, [("f", options.RateLimit.ForwardsPerHour, $"forwarding of tenant {tenantId}")], recipients, cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<RateDecision> AcquireAsync(string tenantId, List<(string RowKey, int Limit, string What)> checks, int recipients, CancellationToken cancellationToken)
    {
        if (checks.Count == 0)
        {
            return RateDecision.Allow;
        }
        var pk = KeyEscaping.Escape(tenantId);
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var window = now.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
            var retryAfter = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1) - now;
            var filter = $"PartitionKey eq '{Q(pk)}' and ({string.Join(" or ", checks.Select(c => $"RowKey eq '{Q(c.RowKey)}'"))})";
            var existing = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
            await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                existing[e.RowKey] = e;
            }
            var actions = new List<TableTransactionAction>();
            foreach (var (rowKey, limit, what) in checks)
            {
                existing.TryGetValue(rowKey, out var row);
                var used = row is not null && row.GetString("Window") == window ? row.GetInt32("Count") ?? 0 : 0;
                if (used + recipients > limit)
                {
                    return new RateDecision(false, retryAfter, $"{what} may send to {limit} recipients per hour ({used} used)");
                }
                var next = new TableEntity(pk, rowKey) { ["Window"] = window, ["Count"] = used + recipients };
                actions.Add(row is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, next)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, next, row.ETag));
            }
            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return RateDecision.Allow;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Q(string value) => value.Replace("'", "''", StringComparison.Ordinal);
}

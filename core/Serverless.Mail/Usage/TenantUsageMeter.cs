using System.Collections.Concurrent;

namespace Serverless.Mail.Usage;

/// <summary>Messages and their bytes one tenant received or sent, as counted in this process.</summary>
public readonly record struct MessageTotals(long MessagesIn, long BytesIn, long MessagesOut, long BytesOut)
{
    public static MessageTotals operator -(MessageTotals a, MessageTotals b) =>
        new(a.MessagesIn - b.MessagesIn, a.BytesIn - b.BytesIn, a.MessagesOut - b.MessagesOut, a.BytesOut - b.BytesOut);

    public bool IsZero => this == default;
}

/// <summary>
/// Counts, per tenant and in this process, the messages the ingest filed (in) and the relay
/// delivered to the internet (out). Cumulative, like <see cref="Storage.StorageRequestMeter"/>;
/// <see cref="UsageRecorder"/> writes the differences to the <c>usage</c> table. A redelivered
/// queue message may be counted twice: usage is an estimate, not a ledger.
/// </summary>
public sealed class TenantUsageMeter
{
    private readonly ConcurrentDictionary<string, MessageTotals> _totals = new(StringComparer.Ordinal);

    public void MessageIn(string? tenant, long bytes) => Add(tenant, new MessageTotals(1, bytes, 0, 0));

    public void MessageOut(string? tenant, long bytes) => Add(tenant, new MessageTotals(0, 0, 1, bytes));

    /// <summary>One tenant's totals so far in this process.</summary>
    public MessageTotals For(string tenant) => _totals.GetValueOrDefault(tenant);

    public IReadOnlyDictionary<string, MessageTotals> Snapshot() => new Dictionary<string, MessageTotals>(_totals, StringComparer.Ordinal);

    private void Add(string? tenant, MessageTotals add)
    {
        if (!string.IsNullOrEmpty(tenant))
        {
            _totals.AddOrUpdate(tenant, add, (_, t) => new MessageTotals(t.MessagesIn + add.MessagesIn, t.BytesIn + add.BytesIn, t.MessagesOut + add.MessagesOut, t.BytesOut + add.BytesOut));
        }
    }
}

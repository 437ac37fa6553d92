using Serverless.Mail.Storage;

namespace Serverless.Bench;

/// <summary>The host's storage requests between two moments, from its <see cref="StorageRequestMeter"/> (measured, not estimated).</summary>
internal sealed class StorageWindow
{
    private readonly StorageRequestMeter _meter;
    private readonly IReadOnlyDictionary<StorageRequestKey, StorageRequestTotals> _before;
    private readonly IReadOnlyDictionary<StorageActivityKey, long> _activityBefore;
    private readonly IReadOnlyDictionary<string, long> _activityCountsBefore;

    public StorageWindow(StorageRequestMeter meter)
    {
        _meter = meter;
        _before = meter.DetailedSnapshot();
        _activityBefore = meter.ActivitySnapshot();
        _activityCountsBefore = meter.ActivityCounts();
    }

    /// <summary>
    /// Requests by activity (IMAP command) since the window opened, one line per activity: how often
    /// it ran and its requests per run by kind (table GET split into point reads and queries; queue
    /// polls left out), busiest first. "-" collects requests made outside any command (watchers' polls, the feed).
    /// </summary>
    public IEnumerable<string> DescribeByActivity(string prefix)
    {
        var counts = _meter.ActivityCounts().ToDictionary(kv => kv.Key, kv => kv.Value - _activityCountsBefore.GetValueOrDefault(kv.Key));
        var delta = _meter.ActivitySnapshot()
            .Select(kv => (kv.Key, N: kv.Value - _activityBefore.GetValueOrDefault(kv.Key)))
            .Where(x => x.N > 0 && !(x.Key.Service == "queue" && x.Key.Operation == "GETMessage"));
        foreach (var g in delta.GroupBy(x => x.Key.Activity).OrderByDescending(g => g.Sum(x => x.N)))
        {
            var runs = Math.Max(1, counts.GetValueOrDefault(g.Key));
            var kinds = g.GroupBy(x => (x.Key.Service, x.Key.Operation, Resource: Logical(x.Key.Resource, prefix)))
                .OrderByDescending(k => k.Sum(x => x.N))
                .Select(k => $"{k.Key.Service} {k.Key.Operation} {k.Key.Resource} {Report.Format((double)k.Sum(x => x.N) / runs)}");
            yield return $"{g.Key}: {counts.GetValueOrDefault(g.Key)} runs, {g.Sum(x => x.N)} requests, {Report.Format((double)g.Sum(x => x.N) / runs)} per run ({string.Join(", ", kinds)})";
        }
        foreach (var (activity, n) in counts.Where(kv => kv.Value > 0 && !delta.Any(x => x.Key.Activity == kv.Key)).OrderByDescending(kv => kv.Value))
        {
            yield return $"{activity}: {n} runs, no requests";
        }
    }

    /// <summary>Requests since the window opened, by key (only keys that moved).</summary>
    public Dictionary<StorageRequestKey, long> Delta()
    {
        var now = _meter.DetailedSnapshot();
        return now.Select(kv => (kv.Key, N: kv.Value.Requests - _before.GetValueOrDefault(kv.Key).Requests))
            .Where(x => x.N > 0).ToDictionary(x => x.Key, x => x.N);
    }

    public long Total => Delta().Values.Sum();

    /// <summary>
    /// The delta without queue receives: the dev host's queue triggers poll all the time, and a
    /// protocol command's window must not count them (no IMAP or POP3 command reads a queue).
    /// </summary>
    public Dictionary<StorageRequestKey, long> DeltaWithoutQueuePolls() =>
        Delta().Where(kv => !(kv.Key.Service == "queue" && kv.Key.Operation == "GETMessage")).ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>Requests of one operation on one resource (logical name: the deployment prefix is ignored).</summary>
    public long Count(string service, string operation, string resourceSuffix) =>
        Delta().Where(kv => kv.Key.Service == service && kv.Key.Operation == operation && kv.Key.Resource.EndsWith(resourceSuffix, StringComparison.Ordinal)).Sum(kv => kv.Value);

    /// <summary>"blob PUT messages 2, queue POSTMessage inbound 2, ..." grouped without tenant.</summary>
    public static string Describe(Dictionary<StorageRequestKey, long> delta, string prefix, double per = 1)
    {
        var grouped = delta.GroupBy(kv => (kv.Key.Service, kv.Key.Operation, Resource: Logical(kv.Key.Resource, prefix)))
            .OrderBy(g => g.Key.Service).ThenBy(g => g.Key.Resource).ThenBy(g => g.Key.Operation)
            .Select(g => $"{g.Key.Service} {g.Key.Operation} {g.Key.Resource}: {Report.Format(g.Sum(kv => kv.Value) / per)}");
        return string.Join(", ", grouped);
    }

    private static string Logical(string resource, string prefix) =>
        resource.StartsWith(prefix, StringComparison.Ordinal) ? resource[prefix.Length..].TrimStart('-') : resource;

    /// <summary>Waits until <paramref name="condition"/> holds on the meter (no storage requests of our own), or the deadline.</summary>
    public static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(5);
        }
        return true;
    }
}

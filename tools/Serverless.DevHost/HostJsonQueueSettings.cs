using System.Text.Json;

namespace Serverless.DevHost;

/// <summary>The queue settings of the function app's host.json, so the dev host polls exactly as the Functions host would.</summary>
internal sealed record HostJsonQueueSettings(TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int BatchSize, int MaxDequeueCount)
{
    /// <summary>
    /// The next batch is fetched once no more than this many messages are still being processed
    /// (the Functions host's default is half the batch size), so one slow message never holds up the queue.
    /// </summary>
    public int NewBatchThreshold { get; init; } = BatchSize / 2;

    /// <summary>
    /// How long a received message stays invisible while its function runs (renewed at half time, as
    /// the Functions queue listener does); after a crash it reappears when this runs out. One minute:
    /// an invocation normally takes well under a second, so the renewals cost nothing, while a batch
    /// whose receive took effect in storage but whose answer was lost (the SDK timed out and asked
    /// again; seen when Azurite stalled under a 10,000-message load) is back in a minute instead of
    /// the ten the Functions host would hold it. Tests that kill a worker shorten it further.
    /// </summary>
    public TimeSpan ProcessingVisibility { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Not in host.json: whether a poller looks at once when this process itself queued a message
    /// (<see cref="Serverless.Mail.Queues.MailQueues.Queued"/>), instead of at the end of its back-off.
    /// On by default; off, the dev host waits as the Functions host in Azure does (the listeners run elsewhere there).
    /// </summary>
    public bool WakeOnQueued { get; init; } = true;

    /// <summary>Settings from configuration (<c>Mail:DevHost:Queues:*</c>) win over host.json: tests use them to retry and poison in seconds.</summary>
    public HostJsonQueueSettings WithOverrides(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return this with
        {
            MaxPollingInterval = section.GetValue("MaxPollingInterval", MaxPollingInterval),
            VisibilityTimeout = section.GetValue("VisibilityTimeout", VisibilityTimeout),
            BatchSize = section.GetValue("BatchSize", BatchSize),
            MaxDequeueCount = section.GetValue("MaxDequeueCount", MaxDequeueCount),
            NewBatchThreshold = section.GetValue("NewBatchThreshold", NewBatchThreshold),
            ProcessingVisibility = section.GetValue("ProcessingVisibility", ProcessingVisibility),
            WakeOnQueued = section.GetValue("WakeOnQueued", WakeOnQueued),
        };
    }

    public static HostJsonQueueSettings Load(string path)
    {
        var settings = new HostJsonQueueSettings(TimeSpan.FromMinutes(1), TimeSpan.Zero, 32, 5);
        if (!File.Exists(path))
        {
            return settings;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!doc.RootElement.TryGetProperty("extensions", out var ext) || !ext.TryGetProperty("queues", out var q))
        {
            return settings;
        }
        var batchSize = q.TryGetProperty("batchSize", out var bs) ? bs.GetInt32() : settings.BatchSize;
        return settings with
        {
            BatchSize = batchSize,
            NewBatchThreshold = q.TryGetProperty("newBatchThreshold", out var nb) ? nb.GetInt32() : batchSize / 2,
            MaxPollingInterval = q.TryGetProperty("maxPollingInterval", out var mp) ? TimeSpan.Parse(mp.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : settings.MaxPollingInterval,
            VisibilityTimeout = q.TryGetProperty("visibilityTimeout", out var vt) ? TimeSpan.Parse(vt.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : settings.VisibilityTimeout,
            MaxDequeueCount = q.TryGetProperty("maxDequeueCount", out var md) ? md.GetInt32() : settings.MaxDequeueCount,
        };
    }
}

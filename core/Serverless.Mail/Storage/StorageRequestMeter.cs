using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Mail.Storage;

/// <summary>
/// Counts every storage request (each one is a billed transaction in Azure) and its bytes, by
/// service, operation, resource (container, table or queue) and — where known — tenant. All SDK
/// clients the service builds pass through this one policy, so the counts are measured, not
/// estimated. Exposed as the <c>Serverless.Mail.Storage</c> meter too.
/// </summary>
public sealed class StorageRequestMeter : HttpPipelinePolicy
{
    public const string MeterName = "Serverless.Mail.Storage";
    private static readonly Meter SharedMeter = new(MeterName);
    private static readonly Counter<long> RequestCounter = SharedMeter.CreateCounter<long>("mail.storage.requests", "{request}", "Storage requests (billed transactions)");
    private static readonly Counter<long> ByteCounter = SharedMeter.CreateCounter<long>("mail.storage.bytes", "By", "Request and response body bytes");
    private static readonly Histogram<double> DurationHistogram = SharedMeter.CreateHistogram<double>("mail.storage.duration", "ms", "Storage request latency, retries included, by service and operation");
    private static readonly AsyncLocal<StorageAttribution?> CurrentAttribution = new();

    private readonly ConcurrentDictionary<(string Service, string Operation), long> _counts = new();
    private readonly ConcurrentDictionary<StorageRequestKey, StorageRequestTotals> _detailed = new();
    private readonly ConcurrentDictionary<StorageActivityKey, long> _byActivity = new();
    private readonly ConcurrentDictionary<string, long> _activities = new();
    private long _total;
    private long _bytes;

    public long TotalRequests => Interlocked.Read(ref _total);

    public long TotalBytes => Interlocked.Read(ref _bytes);

    public IReadOnlyDictionary<(string Service, string Operation), long> Snapshot() => new Dictionary<(string, string), long>(_counts);

    /// <summary>Requests and bytes by service, operation, resource and tenant (null where unknown).</summary>
    public IReadOnlyDictionary<StorageRequestKey, StorageRequestTotals> DetailedSnapshot() => new Dictionary<StorageRequestKey, StorageRequestTotals>(_detailed);

    /// <summary>
    /// Starts attributing the requests of the current asynchronous flow (a connection, a queue
    /// message) to a tenant. Requests made by this flow and everything it awaits are tagged with the
    /// tenant once <see cref="SetTenant"/> (or <paramref name="tenant"/>) names it; dispose to end.
    /// </summary>
    public static IDisposable BeginAttribution(string? tenant = null)
    {
        var previous = CurrentAttribution.Value;
        CurrentAttribution.Value = new StorageAttribution { Tenant = tenant };
        return new AttributionScope(previous);
    }

    /// <summary>
    /// Starts attributing the current asynchronous flow for the rest of its life, with nothing to
    /// dispose: for a flow that ends with its work, as a Kestrel connection does (each runs on the
    /// thread pool without the accept loop's execution context). Saves the caller an async frame
    /// held for the whole connection only to dispose a scope.
    /// </summary>
    public static void AttributeFlow() => CurrentAttribution.Value = new StorageAttribution();

    /// <summary>
    /// Names the tenant of the flow started by <see cref="BeginAttribution"/> (e.g. after a login);
    /// the attribution is shared with the caller's frames, so it outlives the method that sets it.
    /// Does nothing outside such a flow.
    /// </summary>
    public static void SetTenant(string? tenant)
    {
        if (CurrentAttribution.Value is { } attribution)
        {
            attribution.Tenant = tenant;
        }
    }

    /// <summary>
    /// Names what the current flow is doing (an IMAP command, say) until the next call: its requests
    /// are also counted by activity (<see cref="ActivitySnapshot"/>), so a benchmark can say which
    /// command issued which requests. Counts one run of the activity. Does nothing outside a flow
    /// started by <see cref="BeginAttribution"/> or <see cref="AttributeFlow"/>.
    /// </summary>
    public void BeginActivity(string activity)
    {
        if (CurrentAttribution.Value is { } attribution)
        {
            attribution.Activity = activity;
            _activities.AddOrUpdate(activity, 1, (_, n) => n + 1);
        }
    }

    /// <summary>Requests by activity, service, operation (a table GET split into point read and query) and resource; "-" where no activity was named.</summary>
    public IReadOnlyDictionary<StorageActivityKey, long> ActivitySnapshot() => new Dictionary<StorageActivityKey, long>(_byActivity);

    /// <summary>How many times each activity began.</summary>
    public IReadOnlyDictionary<string, long> ActivityCounts() => new Dictionary<string, long>(_activities);

    /// <summary>The tenant the current flow's requests are attributed to, if known.</summary>
    public static string? CurrentTenant => CurrentAttribution.Value?.Tenant;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        ProcessNext(message, pipeline);
        Record(message, started);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Record(message, started);
    }

    /// <summary>
    /// The policy for the clients of one service. The service cannot always be told from the URL
    /// (an emulator on other ports than 10000–10002), so each client says which one it is.
    /// </summary>
    public HttpPipelinePolicy ForService(string service) => new ServicePolicy(this, service);

    private void Record(HttpMessage message, long started, string? knownService = null)
    {
        var (service, operation) = Classify(message.Request);
        service = knownService ?? service;
        var resource = ResourceOf(message.Request);
        var tenant = CurrentTenant;
        var activityOperation = service == "table" && operation == "GET" ? (IsPointRead(message.Request) ? "GET point" : "GET query") : operation;
        _byActivity.AddOrUpdate(new StorageActivityKey(CurrentAttribution.Value?.Activity ?? "-", service, activityOperation, resource), 1, (_, n) => n + 1);
        _counts.AddOrUpdate((service, operation), 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
        long bytes = 0;
        if (message.Request.Headers.TryGetValue("Content-Length", out var reqLen) && long.TryParse(reqLen, out var rl))
        {
            bytes += rl;
        }
        if (message.HasResponse && message.Response.Headers.ContentLength is int respLen)
        {
            bytes += respLen;
        }
        Interlocked.Add(ref _bytes, bytes);
        _detailed.AddOrUpdate(new StorageRequestKey(service, operation, resource, tenant), new StorageRequestTotals(1, bytes), (_, t) => new StorageRequestTotals(t.Requests + 1, t.Bytes + bytes));
        var tags = new TagList { { "service", service }, { "operation", operation }, { "resource", resource } };
        if (tenant is not null)
        {
            tags.Add("tenant", tenant);
        }
        RequestCounter.Add(1, tags);
        ByteCounter.Add(bytes, tags);
        DurationHistogram.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("operation", operation));
    }

    /// <summary>Names a request the way the storage bill does: service plus a coarse operation.</summary>
    internal static (string Service, string Operation) Classify(Request request)
    {
        var uri = request.Uri.ToUri();
        var host = uri.Host;
        var port = uri.Port;
        var service = host.Contains(".blob.", StringComparison.Ordinal) || port == 10000 ? "blob"
            : host.Contains(".queue.", StringComparison.Ordinal) || port == 10001 ? "queue"
            : host.Contains(".table.", StringComparison.Ordinal) || port == 10002 ? "table"
            : GuessFromPath(uri);
        var method = request.Method.Method;
        var query = uri.Query;
        string op;
        if (query.Contains("comp=block&", StringComparison.Ordinal) || query.EndsWith("comp=block", StringComparison.Ordinal))
        {
            op = "PutBlock";
        }
        else if (query.Contains("comp=blocklist", StringComparison.Ordinal))
        {
            op = "PutBlockList";
        }
        else if (uri.AbsolutePath.EndsWith("/$batch", StringComparison.Ordinal))
        {
            op = "Batch";
        }
        else if (uri.AbsolutePath.EndsWith("/messages", StringComparison.Ordinal) || uri.AbsolutePath.Contains("/messages/", StringComparison.Ordinal))
        {
            op = method + "Message";
        }
        else
        {
            op = method;
        }
        return (service, op);
    }

    /// <summary>
    /// The container, table or queue a request addresses ("$batch" for a table batch, whose table is
    /// only in its body; "$account" for service-level calls). Emulator URLs carry the account
    /// name as the first path segment; Azure's do not.
    /// </summary>
    internal static string ResourceOf(Request request)
    {
        var uri = request.Uri.ToUri();
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var first = uri.Host.Contains(".core.", StringComparison.Ordinal) ? 0 : 1;
        if (segments.Length <= first)
        {
            return "$account";
        }
        var name = Uri.UnescapeDataString(segments[first]);
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        if (name.StartsWith("Tables", StringComparison.Ordinal) && paren == 6)
        {
            // Tables('name') addresses the table itself (create, delete).
            var inner = name[(paren + 1)..].Trim('(', ')', '\'');
            return inner.Length > 0 ? inner : "Tables";
        }
        return paren > 0 ? name[..paren] : name;
    }

    /// <summary>A table GET that names one entity (<c>table(PartitionKey='…',RowKey='…')</c>) rather than a query.</summary>
    private static bool IsPointRead(Request request) =>
        request.Uri.ToUri().AbsolutePath.Contains("RowKey=", StringComparison.Ordinal);

    private static string GuessFromPath(Uri uri) =>
        uri.AbsolutePath.Contains("/messages", StringComparison.Ordinal) ? "queue" : "other";

    private sealed class ServicePolicy(StorageRequestMeter meter, string service) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var started = Stopwatch.GetTimestamp();
            ProcessNext(message, pipeline);
            meter.Record(message, started, service);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var started = Stopwatch.GetTimestamp();
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            meter.Record(message, started, service);
        }
    }

    private sealed class StorageAttribution
    {
        public string? Tenant { get; set; }

        public string? Activity { get; set; }
    }

    private sealed class AttributionScope(StorageAttribution? previous) : IDisposable
    {
        public void Dispose() => CurrentAttribution.Value = previous;
    }
}

/// <summary>What a counted storage request was: service, operation, resource and tenant (null where unknown).</summary>
public readonly record struct StorageRequestKey(string Service, string Operation, string Resource, string? Tenant);

/// <summary>Requests of one activity (see <see cref="StorageRequestMeter.BeginActivity"/>) by service, operation and resource.</summary>
public readonly record struct StorageActivityKey(string Activity, string Service, string Operation, string Resource);

public readonly record struct StorageRequestTotals(long Requests, long Bytes);

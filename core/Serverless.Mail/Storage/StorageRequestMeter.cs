using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Mail.Storage;

/// <summary>
/// Counts every storage request (each one is a billed transaction in Azure) and its bytes, by
/// service and operation. All SDK clients the service builds pass through this one policy, so the
/// counts are measured, not estimated. Exposed as the <c>Serverless.Mail.Storage</c> meter too.
/// </summary>
public sealed class StorageRequestMeter : HttpPipelinePolicy
{
    public const string MeterName = "Serverless.Mail.Storage";
    private static readonly Meter SharedMeter = new(MeterName);
    private static readonly Counter<long> RequestCounter = SharedMeter.CreateCounter<long>("mail.storage.requests", "{request}", "Storage requests (billed transactions)");
    private static readonly Counter<long> ByteCounter = SharedMeter.CreateCounter<long>("mail.storage.bytes", "By", "Request and response body bytes");

    private readonly ConcurrentDictionary<(string Service, string Operation), long> _counts = new();
    private long _total;
    private long _bytes;

    public long TotalRequests => Interlocked.Read(ref _total);

    public long TotalBytes => Interlocked.Read(ref _bytes);

    public IReadOnlyDictionary<(string Service, string Operation), long> Snapshot() => new Dictionary<(string, string), long>(_counts);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        Record(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Record(message);
    }

    private void Record(HttpMessage message)
    {
        var (service, operation) = Classify(message.Request);
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
        var tags = new TagList { { "service", service }, { "operation", operation } };
        RequestCounter.Add(1, tags);
        ByteCounter.Add(bytes, tags);
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

    private static string GuessFromPath(Uri uri) =>
        uri.AbsolutePath.Contains("/messages", StringComparison.Ordinal) ? "queue" : "other";
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Hosting;

/// <summary>
/// Reads each queue's approximate message count (one Get Queue Properties per queue) every
/// <see cref="Interval"/> and publishes the last values as <c>mail.queue.depth</c>. Sampling on a
/// timer rather than in the gauge callback keeps exports from costing storage requests of their
/// own, and bounds the cost: 8 queues once a minute is about 350,000 requests a month (≈ $0.15).
/// Runs in the listeners host, which is always up; the function app scales to zero.
/// </summary>
public sealed partial class QueueDepthSampler(MailStorage storage, ILogger<QueueDepthSampler> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, long> _depths = new();

    public static TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The queues sampled: every queue core writes to, and its poison queue.</summary>
    public static IReadOnlyList<string> LogicalQueues { get; } =
        [StorageNames.InboundQueue, StorageNames.OutboundQueue, StorageNames.MailboxDeletionQueue, StorageNames.SpamLearningQueue];

    public IReadOnlyDictionary<string, long> Depths => _depths;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        MailMetrics.ObserveQueueDepths(() => _depths);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>One round of reads; a queue that cannot be read keeps its last value.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        foreach (var logical in LogicalQueues)
        {
            foreach (var (name, queue) in new[] { (logical, storage.Queue(logical)), (logical + StorageNames.PoisonSuffix, storage.PoisonQueue(logical)) })
            {
                try
                {
                    var properties = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
                    _depths[name] = properties.Value.ApproximateMessagesCount;
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                    _depths[name] = 0; // not created yet: nothing waits in it
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSampleFailed(e, name);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            await SampleAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue depth of {Queue} not read")]
    private partial void LogSampleFailed(Exception e, string queue);
}

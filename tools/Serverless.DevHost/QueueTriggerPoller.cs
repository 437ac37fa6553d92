using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;

namespace Serverless.DevHost;

/// <summary>
/// Runs one queue-triggered function the way the Functions queue listener does: receive a batch
/// (messages stay invisible while they are processed), call the function per message in parallel,
/// fetch the next batch once no more than <c>newBatchThreshold</c> are still running, delete on
/// success, make it visible again after <c>visibilityTimeout</c> on failure, and move it to
/// <c>{queue}-poison</c> once it has failed <c>maxDequeueCount</c> times. Polling backs off to
/// <c>maxPollingInterval</c> while the queue is empty — unless this process itself just put a
/// message on the queue (<see cref="MailQueues.Queued"/>: the dev host's own SMTP listener handing
/// off, <see cref="HostJsonQueueSettings.WakeOnQueued"/>), which ends the wait at once. The Functions
/// host in Azure has no such signal (the listeners run elsewhere) and waits out its back-off.
/// </summary>
internal sealed partial class QueueTriggerPoller(QueueFunction function, MailStorage storage, HostJsonQueueSettings settings, IServiceProvider services,
    ILogger<QueueTriggerPoller> logger) : BackgroundService
{
    private readonly QueueBackoff _backoff = new(settings.MaxPollingInterval);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = storage.Queue(function.QueueName);
        var poison = storage.PoisonQueue(function.QueueName);
        var inFlight = new List<Task>();
        var queues = settings.WakeOnQueued ? services.GetService<MailQueues>() : null;
        if (queues is not null)
        {
            queues.Queued += OnQueued;
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Like the Functions host: fetch again once no more than newBatchThreshold messages are
                // still running, rather than after the whole batch (one slow message would stop the queue).
                inFlight.RemoveAll(t => t.IsCompleted);
                while (inFlight.Count > settings.NewBatchThreshold)
                {
                    await Task.WhenAny(inFlight);
                    inFlight.RemoveAll(t => t.IsCompleted);
                }
                QueueMessage[] messages;
                _backoff.Arm();
                try
                {
                    messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, settings.ProcessingVisibility, stoppingToken)).Value;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // Whatever storage does (refused, reset, timed out: the SDK's timeout is an OperationCanceledException),
                    // the poller lives on; an exception escaping here would end it silently, and the queue with it.
                    LogReceiveFailed(function.Name, e.Message);
                    await Sleep(settings.MaxPollingInterval, stoppingToken);
                    continue;
                }
                if (messages.Length == 0)
                {
                    await _backoff.WaitAsync(stoppingToken);
                    continue;
                }
                _backoff.Reset();
                // ProcessAsync answers its own failures; only a stop can end one with an exception (awaited below).
                inFlight.AddRange(messages.Select(m => ProcessAsync(queue, poison, m, stoppingToken)));
            }
        }
        finally
        {
            if (queues is not null)
            {
                queues.Queued -= OnQueued;
            }
            await Task.WhenAll(inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void OnQueued(string queueName)
    {
        if (queueName == function.QueueName)
        {
            _backoff.Wake();
        }
    }

    private async Task ProcessAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        await using var lease = new ProcessingLease(queue, message, settings.ProcessingVisibility);
        try
        {
            var args = function.Method.GetParameters().Select(p => Bind(p, message, stoppingToken)).ToArray();
            await FunctionInvoker.InvokeAsync(services, function.Type, function.Method, args);
            await lease.StopAsync();
            await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(e, function.Name, message.MessageId, message.DequeueCount);
            try
            {
                await lease.StopAsync();
                if (message.DequeueCount >= settings.MaxDequeueCount)
                {
                    await poison.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: CancellationToken.None);
                    await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None);
                    LogPoisoned(function.Name, message.MessageId);
                }
                else
                {
                    await queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
                }
            }
            catch (Exception inner)
            {
                // The message becomes visible again when its processing lease expires.
                LogReleaseFailed(function.Name, message.MessageId, inner.Message);
            }
        }
    }

    private object? Bind(System.Reflection.ParameterInfo p, QueueMessage message, CancellationToken stoppingToken)
    {
        if (p.ParameterType == typeof(CancellationToken))
        {
            return stoppingToken;
        }
        if (p == function.TriggerParameter || p.Position == function.TriggerParameter.Position)
        {
            if (p.ParameterType == typeof(QueueMessage))
            {
                return message;
            }
            if (p.ParameterType == typeof(string))
            {
                return message.Body.ToString();
            }
            if (p.ParameterType == typeof(BinaryData))
            {
                return message.Body;
            }
            return JsonSerializer.Deserialize(message.Body.ToString(), p.ParameterType, MailQueues.Json);
        }
        return p.HasDefaultValue ? p.DefaultValue : null;
    }

    private static async Task Sleep(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Keeps a message invisible while its function runs by renewing its visibility at half time
    /// (each renewal returns a new pop receipt, which the final delete or release must use).
    /// </summary>
    private sealed class ProcessingLease : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        public ProcessingLease(QueueClient queue, QueueMessage message, TimeSpan visibility)
        {
            PopReceipt = message.PopReceipt;
            _renewing = RenewAsync(queue, message.MessageId, visibility);
        }

        public string PopReceipt { get; private set; }

        private async Task RenewAsync(QueueClient queue, string messageId, TimeSpan visibility)
        {
            var period = visibility / 2;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(period, _stop.Token);
                    // Not cancelled once sent: a renewal that took effect must leave its pop receipt here.
                    var renewed = await queue.UpdateMessageAsync(messageId, PopReceipt, visibilityTimeout: visibility, cancellationToken: CancellationToken.None);
                    PopReceipt = renewed.Value.PopReceipt;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception)
                {
                    // Storage hiccup (refused, reset, timed out): try again next period; the message may reappear
                    // meanwhile (functions are idempotent).
                }
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _renewing;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: cannot receive from the queue: {Reason}")]
    private partial void LogReceiveFailed(string function, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed on message {MessageId} (attempt {DequeueCount})")]
    private partial void LogFailed(Exception e, string function, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function}: message {MessageId} moved to the poison queue")]
    private partial void LogPoisoned(string function, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: could not release message {MessageId}: {Reason}")]
    private partial void LogReleaseFailed(string function, string messageId, string reason);
}

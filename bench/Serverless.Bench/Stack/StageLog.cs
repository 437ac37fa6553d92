using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Serverless.Bench.Stack;

/// <summary>
/// Captures the dev host's debug events that mark a message's stages (the ingest beginning a
/// hand-off, the change feed writing an entry) with the time they were logged, while
/// <see cref="Recording"/>; the feed phase splits its latency with them. Only the categories in
/// <see cref="Categories"/> are turned up to Debug, and only for this provider (the console stays at Warning).
/// </summary>
internal sealed class StageLog : ILoggerProvider
{
    public static readonly string[] Categories = ["Serverless.Mail.Delivery.InboundIngest", "Serverless.Mail.Feed.ChangeFeedWriter"];

    public static StageLog Instance { get; } = new();

    private readonly ConcurrentQueue<StageEvent> _events = new();

    public volatile bool Recording;

    public static void AddTo(ILoggingBuilder logging)
    {
        logging.AddProvider(Instance);
        foreach (var category in Categories)
        {
            logging.AddFilter<StageLog>(category, LogLevel.Debug);
        }
    }

    /// <summary>Events captured since the last call, oldest first.</summary>
    public List<StageEvent> Take()
    {
        var taken = new List<StageEvent>();
        while (_events.TryDequeue(out var e))
        {
            taken.Add(e);
        }
        return taken;
    }

    public ILogger CreateLogger(string categoryName) => Categories.Contains(categoryName) ? new Logger(this, categoryName) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Logger(StageLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => owner.Recording && logLevel == LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner._events.Enqueue(new StageEvent(category, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), values.ToDictionary(v => v.Key, v => v.Value)));
        }
    }

    private sealed class NullLogger : ILogger
    {
        public static readonly NullLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}

/// <summary>One captured event: its category, when it was logged (Unix ms) and its named values.</summary>
internal sealed record StageEvent(string Category, long AtMs, IReadOnlyDictionary<string, object?> Values)
{
    public long Long(string name) => Values.TryGetValue(name, out var v) && v is not null ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
}

using Microsoft.Azure.Functions.Worker;

namespace Serverless.DevHost;

/// <summary>
/// Runs a timer-triggered function on its NCRONTAB schedule (six fields, seconds first; supports
/// numbers, '*', '*/n', lists and ranges) or a "hh:mm:ss" interval.
/// </summary>
internal sealed partial class TimerTriggerRunner(TimerFunction function, IServiceProvider services, ILogger<TimerTriggerRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = TimerSchedule.Parse(function.Schedule);
        if (function.RunOnStartup)
        {
            await RunOnce(stoppingToken);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            var next = schedule.Next(now);
            try
            {
                await Task.Delay(next - now, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await RunOnce(stoppingToken);
        }
    }

    private async Task RunOnce(CancellationToken stoppingToken)
    {
        try
        {
            var args = function.Method.GetParameters().Select(p =>
                p.ParameterType == typeof(CancellationToken) ? stoppingToken
                : p.ParameterType == typeof(TimerInfo) ? new TimerInfo()
                : (object?)null).ToArray();
            await FunctionInvoker.InvokeAsync(services, function.Type, function.Method, args);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(e, function.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer function {Function} failed")]
    private partial void LogFailed(Exception e, string function);
}

internal sealed class TimerSchedule
{
    private readonly TimeSpan? _interval;
    private readonly HashSet<int>[] _fields = [];

    private TimerSchedule(TimeSpan interval) => _interval = interval;

    private TimerSchedule(HashSet<int>[] fields) => _fields = fields;

    public static TimerSchedule Parse(string schedule)
    {
        if (TimeSpan.TryParse(schedule, System.Globalization.CultureInfo.InvariantCulture, out var interval) && !schedule.Contains(' ', StringComparison.Ordinal))
        {
            return new TimerSchedule(interval);
        }
        var parts = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6)
        {
            throw new FormatException($"Timer schedule '{schedule}' must have six fields.");
        }
        int[][] ranges = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
        return new TimerSchedule(parts.Select((p, i) => Field(p, ranges[i][0], ranges[i][1])).ToArray());
    }

    public DateTimeOffset Next(DateTimeOffset after)
    {
        if (_interval is { } i)
        {
            return after + i;
        }
        var t = new DateTimeOffset(after.Year, after.Month, after.Day, after.Hour, after.Minute, after.Second, TimeSpan.Zero).AddSeconds(1);
        for (var guard = 0; guard < 366 * 24 * 3600; guard++, t = t.AddSeconds(1))
        {
            if (_fields[0].Contains(t.Second) && _fields[1].Contains(t.Minute) && _fields[2].Contains(t.Hour) &&
                _fields[3].Contains(t.Day) && _fields[4].Contains(t.Month) && _fields[5].Contains((int)t.DayOfWeek))
            {
                return t;
            }
        }
        throw new InvalidOperationException("Timer schedule never fires.");
    }

    private static HashSet<int> Field(string text, int min, int max)
    {
        var set = new HashSet<int>();
        foreach (var item in text.Split(','))
        {
            var step = 1;
            var range = item;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                step = int.Parse(item[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                range = item[..slash];
            }
            int lo = min, hi = max;
            if (range != "*")
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                lo = int.Parse(dash < 0 ? range : range[..dash], System.Globalization.CultureInfo.InvariantCulture);
                hi = dash < 0 ? (slash >= 0 ? max : lo) : int.Parse(range[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
            for (var v = lo; v <= hi; v += step)
            {
                set.Add(v);
            }
        }
        return set;
    }
}

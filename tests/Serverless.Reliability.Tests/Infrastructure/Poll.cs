namespace Serverless.Reliability.Tests.Infrastructure;

/// <summary>Waiting for a condition with a deadline (never a bare sleep).</summary>
public static class Poll
{
    /// <summary>Evaluates <paramref name="probe"/> until <paramref name="done"/> holds or the deadline passes; returns the last value.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, int intervalMs = 100)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }
            await Task.Delay(intervalMs);
        }
    }
}

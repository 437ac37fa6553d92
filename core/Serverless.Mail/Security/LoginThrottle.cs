using System.Collections.Concurrent;

namespace Serverless.Mail.Security;

/// <summary>
/// Counts failed logins per client IP and per account in a sliding window, shared by every
/// protocol in the process. When either limit is reached, further attempts are refused without
/// checking the password until the window moves on.
/// </summary>
public sealed class LoginThrottle
{
    private readonly SecurityOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    public LoginThrottle(SecurityOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>True if a login from <paramref name="clientIp"/> for <paramref name="account"/> may be tried now.</summary>
    public bool IsAllowed(string? clientIp, string? account) =>
        Count("ip:" + clientIp) < _options.MaxFailuresPerIp && (account is null || Count("acct:" + account.ToLowerInvariant()) < _options.MaxFailuresPerAccount);

    /// <summary>How long until one more attempt is allowed (for Retry-After); zero when allowed now.</summary>
    public TimeSpan RetryAfter(string? clientIp, string? account)
    {
        if (IsAllowed(clientIp, account))
        {
            return TimeSpan.Zero;
        }
        var oldest = new[] { Oldest("ip:" + clientIp), account is null ? null : Oldest("acct:" + account.ToLowerInvariant()) }
            .Where(x => x is not null).Select(x => x!.Value).DefaultIfEmpty(_time.GetUtcNow()).Max();
        var wait = oldest + _options.FailureWindow - _time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }

    public void RecordFailure(string? clientIp, string? account)
    {
        Add("ip:" + clientIp);
        if (account is not null)
        {
            Add("acct:" + account.ToLowerInvariant());
        }
        if (_failures.Count > 100_000)
        {
            _failures.Clear(); // bounded memory under a distributed attack; limits restart
        }
    }

    private void Add(string key)
    {
        var q = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        lock (q)
        {
            Trim(q);
            q.Enqueue(_time.GetUtcNow());
        }
    }

    private int Count(string key)
    {
        if (!_failures.TryGetValue(key, out var q))
        {
            return 0;
        }
        lock (q)
        {
            Trim(q);
            return q.Count;
        }
    }

    private DateTimeOffset? Oldest(string key)
    {
        if (!_failures.TryGetValue(key, out var q))
        {
            return null;
        }
        lock (q)
        {
            Trim(q);
            return q.Count == 0 ? null : q.Peek();
        }
    }

    private void Trim(Queue<DateTimeOffset> q)
    {
        var cutoff = _time.GetUtcNow() - _options.FailureWindow;
        while (q.Count > 0 && q.Peek() < cutoff)
        {
            q.Dequeue();
        }
    }
}

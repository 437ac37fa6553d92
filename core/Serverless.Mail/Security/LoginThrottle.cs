using System.Net;
using Serverless.Mail.Accounts;

namespace Serverless.Mail.Security;

/// <summary>
/// Counts failed logins per client IP and per account in a sliding window, shared by every
/// protocol in the process. When either limit is reached, further attempts are refused without
/// checking the password until the window moves on.
/// <para>
/// An attempt takes its place in the budget before the password is checked
/// (<see cref="TryReserve"/>), so parallel guesses cannot all slip in before the first failure is
/// counted; a success gives the place back. Accounts are keyed by the normalised address (the one
/// that finds the mailbox), so every spelling shares one budget. A null client IP means the
/// address is not the client's own (behind a proxy that hides it): no per-IP limit then, rather
/// than one bucket that locks everybody out together. The tables are bounded
/// (<see cref="SecurityOptions.MaxTrackedLogins"/> keys each) and entries expire one by one; see
/// <see cref="FailureTable"/> for what happens when one is full. State is per process (per replica).
/// </para>
/// </summary>
public sealed class LoginThrottle
{
    private readonly SecurityOptions _options;
    private readonly TimeProvider _time;
    private readonly FailureTable _ips;
    private readonly FailureTable _accounts;

    public LoginThrottle(SecurityOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time ?? TimeProvider.System;
        _ips = new FailureTable(options.MaxTrackedLogins, options.FailureWindow, _time);
        _accounts = new FailureTable(options.MaxTrackedLogins, options.FailureWindow, _time);
    }

    /// <summary>Keys held now (client IPs and accounts); never more than twice <see cref="SecurityOptions.MaxTrackedLogins"/>.</summary>
    public int TrackedKeys => _ips.Count + _accounts.Count;

    /// <summary>The budget key of a login name: the normalised address, or the trimmed lowercase text when it is not one.</summary>
    public static string AccountKey(string account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return MailAddress.TryParse(account, out var address) ? address.Address : account.Trim().ToLowerInvariant();
    }

    /// <summary>True if a login from <paramref name="clientIp"/> for <paramref name="account"/> may be tried now.</summary>
    public bool IsAllowed(string? clientIp, string? account) =>
        (IpKey(clientIp) is not { } ip || _ips.HasRoom(ip, _options.MaxFailuresPerIp)) &&
        (account is null || _accounts.HasRoom(AccountKey(account), _options.MaxFailuresPerAccount));

    /// <summary>
    /// Takes one place in the failure budget of the client IP and the account before the password is
    /// checked; null when either is used up (answer "throttled" without checking). Dispose of
    /// nothing: a failed login keeps the place (it is the failure), a successful one calls
    /// <see cref="LoginReservation.Release"/>.
    /// </summary>
    public LoginReservation? TryReserve(string? clientIp, string? account)
    {
        var ip = IpKey(clientIp);
        var accountKey = account is null ? null : AccountKey(account);
        long? ipId = null;
        if (ip is not null && (ipId = _ips.TryAdd(ip, _options.MaxFailuresPerIp)) is null)
        {
            return null;
        }
        long? accountId = null;
        if (accountKey is not null && (accountId = _accounts.TryAdd(accountKey, _options.MaxFailuresPerAccount)) is null)
        {
            if (ipId is { } taken)
            {
                _ips.Remove(ip!, taken);
            }
            return null;
        }
        return new LoginReservation(this, ip, ipId, accountKey, accountId);
    }

    /// <summary>How long until one more attempt is allowed (for Retry-After); zero when allowed now.</summary>
    public TimeSpan RetryAfter(string? clientIp, string? account)
    {
        if (IsAllowed(clientIp, account))
        {
            return TimeSpan.Zero;
        }
        var ip = IpKey(clientIp);
        var oldest = new[] { ip is null ? null : _ips.Oldest(ip), account is null ? null : _accounts.Oldest(AccountKey(account)) }
            .Where(x => x is not null).Select(x => x!.Value).DefaultIfEmpty(_time.GetUtcNow()).Max();
        var wait = oldest + _options.FailureWindow - _time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }

    /// <summary>Counts a failure that was not reserved first (a key already at its limit stays there).</summary>
    public void RecordFailure(string? clientIp, string? account)
    {
        if (IpKey(clientIp) is { } ip)
        {
            _ips.TryAdd(ip, _options.MaxFailuresPerIp);
        }
        if (account is not null)
        {
            _accounts.TryAdd(AccountKey(account), _options.MaxFailuresPerAccount);
        }
    }

    internal void Release(string? ip, long? ipId, string? accountKey, long? accountId)
    {
        if (ip is not null && ipId is { } i)
        {
            _ips.Remove(ip, i);
        }
        if (accountKey is not null && accountId is { } a)
        {
            _accounts.Remove(accountKey, a);
        }
    }

    private static string? IpKey(string? clientIp)
    {
        if (string.IsNullOrWhiteSpace(clientIp))
        {
            return null;
        }
        return IPAddress.TryParse(clientIp, out var address) && address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : clientIp;
    }
}

/// <summary>One attempt's place in the failure budget, taken before its password is checked.</summary>
public sealed class LoginReservation
{
    private readonly LoginThrottle _throttle;
    private readonly string? _ip;
    private readonly long? _ipId;
    private readonly string? _account;
    private readonly long? _accountId;
    private int _released;

    internal LoginReservation(LoginThrottle throttle, string? ip, long? ipId, string? account, long? accountId)
    {
        _throttle = throttle;
        _ip = ip;
        _ipId = ipId;
        _account = account;
        _accountId = accountId;
    }

    /// <summary>The attempt did not fail (right password, or it could not be checked): it costs nothing.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _throttle.Release(_ip, _ipId, _account, _accountId);
        }
    }
}

using Serverless.Mail.Hosting;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Security;

public enum LoginFailure
{
    None,
    BadCredentials,
    Disabled,
    Throttled,
}

public sealed record LoginResult(MailboxRecord? Mailbox, LoginFailure Failure)
{
    public bool Succeeded => Mailbox is not null && Failure == LoginFailure.None;
}

/// <summary>
/// Checks a login (full address + password) for every protocol. PBKDF2 is slow on purpose, so a
/// success is remembered for a few minutes under a keyed hash of (address, password, stored hash):
/// the password itself is never kept, and a password change makes old entries unreachable.
/// A wrong user costs a full PBKDF2 run too, so timing does not reveal which addresses exist.
/// Logins with the same name and password at the same moment (a client opening several
/// connections, imaptest's clients) share one check: otherwise each would hold a place in the
/// account's failure budget while its hash runs, and the sixth of them would be refused as
/// throttled although none had failed.
/// </summary>
public sealed class LoginVerifier
{
    private readonly MailDirectory _directory;
    private readonly LoginThrottle _throttle;
    private readonly SecurityOptions _options;
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _verified = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (MailboxRecord? Record, DateTimeOffset Expires)> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<LoginResult>> _inFlight = new(StringComparer.Ordinal);
    private long _hashChecks;

    public LoginVerifier(MailDirectory directory, LoginThrottle throttle, SecurityOptions options)
    {
        _directory = directory;
        _throttle = throttle;
        _options = options;
    }

    public LoginThrottle Throttle => _throttle;

    /// <summary>Password hashes computed so far (PBKDF2 runs); what the throttle is there to bound.</summary>
    public long PasswordHashChecks => Interlocked.Read(ref _hashChecks);

    public async Task<LoginResult> VerifyAsync(string login, string password, string? clientIp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(login);
        ArgumentNullException.ThrowIfNull(password);
        // The same guess at once is one guess: it is answered (and counted) once, by the check that runs.
        var flight = CacheKey(LoginThrottle.AccountKey(login), password, "");
        var mine = new TaskCompletionSource<LoginResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_inFlight.TryAdd(flight, mine.Task))
        {
            if (_inFlight.TryGetValue(flight, out var running))
            {
                try
                {
                    var shared = await running.WaitAsync(cancellationToken).ConfigureAwait(false);
                    MailMetrics.Login(shared.Succeeded ? "success" : shared.Failure switch
                    {
                        LoginFailure.Disabled => "disabled",
                        LoginFailure.Throttled => "throttled",
                        _ => "bad_credentials",
                    });
                    if (shared.Succeeded)
                    {
                        StorageRequestMeter.SetTenant(shared.Mailbox!.TenantId);
                    }
                    return shared;
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // that check failed (storage) or its caller gave up: check on our own once it is gone
                    await Task.Yield();
                }
            }
        }
        try
        {
            var result = await CheckAsync(login, password, clientIp, cancellationToken).ConfigureAwait(false);
            mine.SetResult(result);
            return result;
        }
        catch (Exception e)
        {
            mine.SetException(e);
            _ = mine.Task.Exception; // observed: a waiter may not be there to see it
            throw;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Task<LoginResult>>(flight, mine.Task));
        }
    }

    private async Task<LoginResult> CheckAsync(string login, string password, string? clientIp, CancellationToken cancellationToken)
    {
        // The place in the failure budget is taken before the (slow) hash, so parallel guesses
        // beyond the limit are answered without computing one.
        var reservation = _throttle.TryReserve(clientIp, login);
        if (reservation is null)
        {
            MailMetrics.Login("throttled");
            return new LoginResult(null, LoginFailure.Throttled);
        }
        bool ok;
        MailboxRecord? mailbox = null;
        try
        {
            MailAddress address = default;
            if (MailAddress.TryParse(login, out address))
            {
                mailbox = await GetAccountAsync(address, cancellationToken).ConfigureAwait(false);
            }
            var stored = mailbox?.PasswordHash ?? _directory.Hasher.DummyHash;
            var key = CacheKey(address.Address, password, stored);
            var now = DateTimeOffset.UtcNow;
            ok = mailbox is not null && _verified.TryGetValue(key, out var expires) && expires > now;
            if (!ok)
            {
                Interlocked.Increment(ref _hashChecks);
                ok = PasswordHasher.Verify(password, stored) && mailbox is not null;
                if (ok)
                {
                    if (_verified.Count > 100_000)
                    {
                        _verified.Clear();
                    }
                    _verified[key] = now + _options.LoginCacheLifetime;
                }
            }
        }
        catch
        {
            reservation.Release(); // not checked (storage failed, or cancelled): not a failure
            throw;
        }
        if (!ok)
        {
            MailMetrics.Login("bad_credentials");
            return new LoginResult(null, LoginFailure.BadCredentials); // the reservation stays: it is the failure
        }
        reservation.Release();
        if (!mailbox!.Enabled)
        {
            MailMetrics.Login("disabled");
            return new LoginResult(null, LoginFailure.Disabled);
        }
        StorageRequestMeter.SetTenant(mailbox.TenantId);
        MailMetrics.Login("success");
        return new LoginResult(mailbox, LoginFailure.None);
    }

    /// <summary>Drops what this process remembers about an account (after a password change here).</summary>
    public void Forget(MailAddress address) => _accounts.TryRemove(address.Address, out _);

    private async Task<MailboxRecord?> GetAccountAsync(MailAddress address, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (_accounts.TryGetValue(address.Address, out var cached) && cached.Expires > now)
        {
            return cached.Record;
        }
        var record = await _directory.GetMailboxAsync(address, cancellationToken).ConfigureAwait(false);
        if (_accounts.Count > 100_000)
        {
            _accounts.Clear();
        }
        _accounts[address.Address] = (record, now + _options.AccountCacheLifetime);
        return record;
    }

    private string CacheKey(string address, string password, string storedHash)
    {
        var input = Encoding.UTF8.GetBytes(address + "\0" + password + "\0" + storedHash);
        return Convert.ToBase64String(HMACSHA256.HashData(_cacheKey, input));
    }
}

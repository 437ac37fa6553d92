using Azure;

namespace Serverless.Mail.Index;

/// <summary>
/// A held maildrop lease (see <see cref="MaildropLeases"/>). Keep it alive with
/// <see cref="RunRenewalsAsync"/> for as long as the session lives, check <see cref="EnsureHeldAsync"/>
/// before acting on the maildrop's exclusivity (POP3's UPDATE state), and release it at the end.
/// Safe to use from the session and its renewal loop at once; dispose (which releases) after the
/// renewal loop has ended.
/// </summary>
public sealed class MaildropLease : IAsyncDisposable
{
    private readonly MaildropLeases _leases;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ETag _etag;
    private bool _released;

    internal MaildropLease(MaildropLeases leases, string mailboxId, string owner, string holder, TimeSpan duration, DateTimeOffset expiresAt, ETag etag)
    {
        _leases = leases;
        MailboxId = mailboxId;
        Owner = owner;
        Holder = holder;
        Duration = duration;
        ExpiresAt = expiresAt;
        _etag = etag;
    }

    public string MailboxId { get; }

    /// <summary>Unique per acquisition: tells this holder's row from a later holder's.</summary>
    public string Owner { get; }

    public string Holder { get; }

    public TimeSpan Duration { get; }

    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>True once the lease was found taken over, or expired without being renewed.</summary>
    public bool IsLost { get; private set; }

    /// <summary>Extends the lease by <see cref="Duration"/>. False if it is no longer ours.</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsLost || _released)
            {
                return false;
            }
            var now = _leases.Now;
            if (now >= ExpiresAt)
            {
                // Expired before we renewed: another session may already have taken it over and
                // started changing the maildrop, so even a successful write would not make it ours again.
                IsLost = true;
                return false;
            }
            var expires = now + Duration;
            var etag = await _leases.RenewAsync(this, _etag, expires, cancellationToken).ConfigureAwait(false);
            if (etag is null)
            {
                IsLost = true;
                return false;
            }
            _etag = etag.Value;
            ExpiresAt = expires;
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// True if the lease is ours for at least half its duration more (renewing first when needed):
    /// long enough to finish an update of the maildrop.
    /// </summary>
    public async Task<bool> EnsureHeldAsync(CancellationToken cancellationToken = default)
    {
        if (IsLost || _released)
        {
            return false;
        }
        if (ExpiresAt - _leases.Now > Duration / 2)
        {
            return true;
        }
        return await RenewAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Renews every third of the duration until cancelled or lost, on a fixed schedule from the
    /// start (ticks do not drift by the time each renewal takes; a tick already past when the loop
    /// comes round renews at once). A failed renewal (storage briefly unreachable) is retried at the
    /// next tick; the lease counts as lost once it expires.
    /// </summary>
    public async Task RunRenewalsAsync(CancellationToken cancellationToken)
    {
        var interval = Duration / 3;
        var due = _leases.Now + interval;
        while (!cancellationToken.IsCancellationRequested && !IsLost && !_released)
        {
            try
            {
                var wait = due - _leases.Now;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _leases.Time, cancellationToken).ConfigureAwait(false);
                }
                due += interval;
                if (due <= _leases.Now)
                {
                    due = _leases.Now + interval; // ticks missed (a long stall): no burst of catch-up renewals
                }
                await RenewAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Storage unreachable (whatever form the SDK reports it in): try again next tick,
                // and give the lease up once it has run out.
                if (_leases.Now >= ExpiresAt)
                {
                    IsLost = true;
                }
            }
        }
    }

    /// <summary>Gives the maildrop free at once (deletes the row if it is still ours). Idempotent.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_released)
            {
                return;
            }
            _released = true;
            if (!IsLost)
            {
                await _leases.DeleteAsync(MailboxId, _etag, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}

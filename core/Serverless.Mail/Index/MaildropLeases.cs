using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>
/// Exclusive access to a mailbox's maildrop for one POP3 session at a time (RFC 1939 asks for an
/// exclusive-access lock). Listeners are many and stateless, so the lock is a row in the mailbox's
/// index partition (RowKey <c>lease|pop3</c>) with an owner id and an expiry, written only with
/// the ETag last seen: a holder renews it while its session lives; a crashed holder's lease
/// simply expires and the next session takes it over. docs/storage.md documents the row.
/// </summary>
public sealed class MaildropLeases
{
    internal const string RowKey = "lease|pop3";
    private const int MaxAttempts = 4;

    private readonly TableClient _table;
    private readonly TimeProvider _time;

    public MaildropLeases(MailStorage storage, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _table = storage.MailIndex;
        _time = time;
    }

    /// <summary>
    /// Takes the maildrop lease of <paramref name="mailboxId"/> for <paramref name="duration"/>,
    /// or returns null while another holder's lease is unexpired. One insert when the maildrop is
    /// free; a read and a conditional replace when an expired lease is taken over.
    /// </summary>
    /// <param name="holder">Who holds it, for operators (e.g. listener and connection id); never secret.</param>
    public async Task<MaildropLease?> TryAcquireAsync(string mailboxId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailboxId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var owner = Guid.NewGuid().ToString("N");
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var now = _time.GetUtcNow();
            var entity = Row(mailboxId, owner, holder, now + duration);
            try
            {
                var added = await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                return new MaildropLease(this, mailboxId, owner, holder, duration, now + duration, added.Headers.ETag ?? default);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }
            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(mailboxId, RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!existing.HasValue)
            {
                continue; // released in between: insert again
            }
            var expires = existing.Value!.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue;
            if (expires > now)
            {
                return null;
            }
            try
            {
                // Take over an expired lease; the ETag makes sure only one contender wins it.
                var replaced = await _table.UpdateEntityAsync(entity, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return new MaildropLease(this, mailboxId, owner, holder, duration, now + duration, replaced.Headers.ETag ?? default);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
            }
        }
        return null;
    }

    internal DateTimeOffset Now => _time.GetUtcNow();

    internal TimeProvider Time => _time;

    /// <summary>Extends a held lease. Null if it is no longer ours (taken over after expiry, or gone).</summary>
    internal async Task<ETag?> RenewAsync(MaildropLease lease, ETag etag, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        try
        {
            var r = await _table.UpdateEntityAsync(Row(lease.MailboxId, lease.Owner, lease.Holder, expires), etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return r.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return null;
        }
    }

    internal async Task DeleteAsync(string mailboxId, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(mailboxId, RowKey, etag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Already gone or taken over by someone else: nothing of ours to release.
        }
    }

    private static TableEntity Row(string mailboxId, string owner, string holder, DateTimeOffset expires) => new(mailboxId, RowKey)
    {
        ["Owner"] = owner,
        ["Holder"] = holder,
        ["ExpiresAt"] = expires.UtcDateTime,
    };
}

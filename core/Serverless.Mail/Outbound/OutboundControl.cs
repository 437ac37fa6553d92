using Azure;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Queues;

namespace Serverless.Mail.Outbound;

/// <summary>
/// An operator's hand on a queued message: retry now, hold, release, cancel. The relay retries by
/// queue visibility and cannot find a queued copy to change it, so every request works on the
/// message's row in the <c>outbound</c> table (ETag-guarded, so it never races a claim) and, where
/// the message must move, queues a new copy of the next generation: the older copy still waiting
/// in the queue is then stale and dropped when it comes up, and the lease keeps a new copy from
/// delivering while an attempt is in progress. A hold is honoured at the claim (the copy is
/// dropped); a cancel is carried out by the relay itself (pending recipients fail, the sender gets
/// the relay's failure DSN), so its effects are the relay's, idempotent as ever.
/// </summary>
public sealed class OutboundControl(OutboundState state, MailQueues queues, TimeProvider time)
{
    private const int Rounds = 3;

    /// <summary>Try the pending recipients now. Refused while held, cancelled, finished or in an attempt (no second concurrent delivery).</summary>
    public async Task<ProvisioningOutcome<OutboundMessageView>> RetryAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        var record = await state.LoadAsync(OutboundState.TenantKey(tenant), id, cancellationToken).ConfigureAwait(false);
        if (Refusal(record, "retried") is { } refused)
        {
            return refused;
        }
        var now = time.GetUtcNow();
        // Cancelled but not yet carried out by the relay: a retry must not race the cancel.
        if (record!.Cancelled)
        {
            return ProvisioningError.Conflict("The message is cancelled.");
        }
        if (record.Held)
        {
            return ProvisioningError.Conflict("The message is on hold; release it to try it again.");
        }
        if (record.LeaseUntil is { } until && until > now)
        {
            return ProvisioningError.Conflict($"An attempt is in progress (until {until:u} at the latest); look again when it is done.");
        }
        var next = record with { Attempt = record.Attempt + 1, NextAttemptAt = now };
        // The copy first: if the row's update below is lost, the new copy still claims (a newer generation wins).
        await queues.SendOutboundAsync(Requeue(tenant, next), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            next = await state.ControlAsync(next, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // The new copy was claimed already; what it wrote is newer than our row.
            next = await state.LoadAsync(record.TenantKey, id, cancellationToken).ConfigureAwait(false) ?? next;
        }
        return OutboundMessageView.Of(next);
    }

    /// <summary>Stop attempts until released. An attempt in progress finishes; its next copy is dropped.</summary>
    public Task<ProvisioningOutcome<OutboundMessageView>> HoldAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, id, "held", record => record.Held ? null : (ProvisioningOutcome<OutboundMessageRecord>?)(record with { Held = true }), requeue: false, cancellationToken);

    /// <summary>Lift a hold: the row first, then a new copy for now (if that copy is lost, a retry sends another).</summary>
    public Task<ProvisioningOutcome<OutboundMessageView>> ReleaseAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, id, "released", record => record.Held
            ? record with { Held = false, Attempt = record.Attempt + 1, NextAttemptAt = time.GetUtcNow() }
            : ProvisioningError.Conflict("The message is not on hold."), requeue: true, cancellationToken);

    /// <summary>
    /// No further attempts: the row says cancelled, then a copy goes out for the relay to fail the
    /// pending recipients and report them. Cancelling again sends another copy (harmless: the
    /// relay finishes once), so a request whose answer was lost can simply be repeated.
    /// </summary>
    public Task<ProvisioningOutcome<OutboundMessageView>> CancelAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, id, "cancelled", record => record with { Cancelled = true, Held = false, Attempt = record.Attempt + 1, NextAttemptAt = time.GetUtcNow() },
            requeue: true, cancellationToken);

    private async Task<ProvisioningOutcome<OutboundMessageView>> ChangeAsync(string tenant, string id, string verb,
        Func<OutboundMessageRecord, ProvisioningOutcome<OutboundMessageRecord>?> change, bool requeue, CancellationToken cancellationToken)
    {
        for (var round = 0; ; round++)
        {
            var record = await state.LoadAsync(OutboundState.TenantKey(tenant), id, cancellationToken).ConfigureAwait(false);
            if (Refusal(record, verb) is { } refused)
            {
                return refused;
            }
            if (record!.Cancelled && verb != "cancelled")
            {
                return ProvisioningError.Conflict("The message is cancelled.");
            }
            if (change(record) is not { } outcome)
            {
                return OutboundMessageView.Of(record); // already so
            }
            if (outcome.Error is { } error)
            {
                return error;
            }
            OutboundMessageRecord next;
            try
            {
                next = await state.ControlAsync(outcome.Value!, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 412 && round < Rounds)
            {
                continue; // claimed or changed meanwhile: decide again on what it is now
            }
            if (requeue)
            {
                await queues.SendOutboundAsync(Requeue(tenant, next), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            return OutboundMessageView.Of(next);
        }
    }

    private static ProvisioningError? Refusal(OutboundMessageRecord? record, string verb) => record switch
    {
        null => ProvisioningError.NotFound("No such outbound message."),
        { Done: true } => ProvisioningError.Conflict($"The message is finished; it cannot be {verb}."),
        _ => null,
    };

    /// <summary>The queue message the producer sent, rebuilt from the row, at the row's generation.</summary>
    private static OutboundRelayMessage Requeue(string tenant, OutboundMessageRecord record) => new()
    {
        Id = record.Id,
        BlobName = record.BlobName,
        Size = record.Size,
        MailFrom = record.MailFrom,
        Recipients = record.Recipients.Select(r => new HandoffRecipient { Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient }).ToList(),
        TenantId = tenant,
        AuthenticatedAs = record.AuthenticatedAs,
        SubmittedAt = record.SubmittedAt,
        EnvelopeId = record.EnvelopeId,
        Ret = record.Ret,
        Body = record.Body,
        SmtpUtf8 = record.SmtpUtf8,
        Holder = record.BlobHolder,
        Attempt = record.Attempt,
        Rated = record.Rated,
        ForwardedBy = record.ForwardedBy,
        Sign = record.Sign,
    };
}

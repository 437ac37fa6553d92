using Microsoft.Extensions.Logging;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Hosting;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Outbound;

/// <summary>
/// The outbound relay: one call per <c>outbound</c> queue message. It claims the message's state
/// (so copies of a queue message never deliver twice), hands hosted recipients to the inbound
/// path, delivers the rest per domain (or through the smart host) DKIM-signed, records each
/// recipient's result as soon as its domain is done, and then either finishes (DSNs, blob
/// released) or re-enqueues itself with the next retry delay — the queue's visibility delay is
/// the retry timer, and the function returns normally so the trigger deletes the old copy.
/// </summary>
public sealed partial class OutboundRelay(OutboundState state, SmtpDelivery delivery, OutboundDkim dkim, OutboundArc arc, DeliveryReports reports, SendingRateLimit rateLimit,
    RecipientResolver resolver, MessageStore store, BlobHolders holders, MailQueues queues, OutboundOptions options, TimeProvider time, ILogger<OutboundRelay> logger,
    Usage.TenantUsageMeter? usage = null)
{
    /// <summary>Longer than one attempt can take (connect and command timeouts bound it), shorter than a retry step.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(15);

    /// <summary>RFC 3463 "other or undefined status": nothing went wrong with the mail system, the operator stopped it.</summary>
    public const string CancelledStatus = "5.0.0";

    public const string CancelledDiagnostic = "X-Relay; delivery cancelled by the mail service's operator";

    /// <summary>One queue message: an inline message, or a pointer to a spilled one (its blob deleted once this copy is done).</summary>
    public async Task RelayAsync(string queueMessage, CancellationToken cancellationToken = default)
    {
        var queued = await queues.ReadOutboundAsync(queueMessage, cancellationToken).ConfigureAwait(false);
        if (queued is null)
        {
            LogSpillDone(MailQueues.SpillOf(queueMessage)!);
            return; // a redelivered pointer: this copy was handled and its blob deleted
        }
        // Retries and busy re-sends enqueue the message again, which spills it to a blob of its own.
        await RelayAsync(queued.Message, cancellationToken).ConfigureAwait(false);
        await queues.DeleteSpillAsync(queued.SpillBlob, cancellationToken).ConfigureAwait(false);
    }

    public async Task RelayAsync(OutboundRelayMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var attribution = StorageRequestMeter.BeginAttribution(message.TenantId);
        var now = time.GetUtcNow();
        var (outcome, record) = await state.ClaimAsync(message, now, Lease, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case ClaimOutcome.Stale:
                LogStale(message.Id, message.Attempt);
                return;
            case ClaimOutcome.Held:
                // Dropped: the release queues a new copy (OutboundControl).
                LogHeld(message.Id, message.Attempt);
                return;
            case ClaimOutcome.Busy:
                // Another invocation works on it; look again when its lease runs out, in case it died.
                var wait = record?.LeaseUntil is { } until && until > now ? until - now + TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(1);
                await queues.SendOutboundAsync(message, wait, cancellationToken).ConfigureAwait(false);
                return;
            case ClaimOutcome.Done:
                await ReleaseBlobAsync(record!, cancellationToken).ConfigureAwait(false);
                if (message.BlobName != record!.BlobName && message.Holder is null)
                {
                    // A second copy of a producer's message with its own blob (a retried DSN): nobody else will read it.
                    await store.DeleteAsync(message.BlobName, cancellationToken).ConfigureAwait(false);
                }
                return;
        }
        var claimed = record!;
        var recipients = claimed.Recipients.ToDictionary(r => r.Index);
        var unsaved = new List<OutboundRecipientRecord>();
        OutboundMessageFile? file = null;
        try
        {
            if (claimed.Cancelled)
            {
                // An operator cancelled it: no further attempt; the pending recipients fail and are reported.
                foreach (var r in recipients.Values.Where(r => r.State == RecipientState.Pending).ToList())
                {
                    recipients[r.Index] = r with { State = RecipientState.Failed, Status = CancelledStatus, Diagnostic = CancelledDiagnostic, UpdatedAt = now };
                    unsaved.Add(recipients[r.Index]);
                }
            }
            else if (recipients.Values.Any(r => r.State == RecipientState.Pending))
            {
                var (attempted, loaded) = await AttemptAsync(message, claimed, recipients, unsaved, now, cancellationToken).ConfigureAwait(false);
                if (attempted is null)
                {
                    return; // deferred by the rate limit
                }
                (claimed, file) = (attempted, loaded);
            }
            record = claimed;
            var expired = now >= record.SubmittedAt + options.MaxLifetime;
            if (expired)
            {
                foreach (var r in recipients.Values.Where(r => r.State == RecipientState.Pending).ToList())
                {
                    recipients[r.Index] = r with
                    {
                        State = RecipientState.Failed,
                        Status = "4.4.7",
                        Diagnostic = $"X-Relay; delivery time expired after {options.MaxLifetime.TotalHours:0.#} hours; last error: {r.Diagnostic}",
                        UpdatedAt = now,
                    };
                }
            }
            var pending = recipients.Values.Where(r => r.State == RecipientState.Pending).ToList();
            if (pending.Count > 0)
            {
                await DeferAsync(message, record, pending, unsaved, now, file, cancellationToken).ConfigureAwait(false);
                return;
            }
            await FinishAsync(record, recipients, unsaved, file, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One delivery attempt for the pending recipients. Results of a domain are written as soon as
    /// it is done when several domains are in flight; with a single one they are left in
    /// <paramref name="unsaved"/> and go out with the message row's update right after (one
    /// transaction fewer, and nothing happens between the SMTP reply and that write).
    /// </summary>
    private async Task<(OutboundMessageRecord? Record, OutboundMessageFile? File)> AttemptAsync(OutboundRelayMessage message, OutboundMessageRecord record,
        Dictionary<int, OutboundRecipientRecord> recipients, List<OutboundRecipientRecord> unsaved, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = recipients.Values.Where(r => r.State == RecipientState.Pending).ToList();
        if (!record.Charged && !message.Rated)
        {
            // Forwards have their own limit and leave the tenant's sending budget alone.
            var decision = message.ForwardedBy is null
                ? await rateLimit.TryAcquireAsync(message.TenantId, record.AuthenticatedAs, pending.Count, cancellationToken).ConfigureAwait(false)
                : await rateLimit.TryAcquireForwardsAsync(message.TenantId, pending.Count, cancellationToken).ConfigureAwait(false);
            if (!decision.Allowed)
            {
                LogRateLimited(record.Id, decision.Reason);
                foreach (var r in pending)
                {
                    recipients[r.Index] = r with { Status = "4.7.0", Diagnostic = "X-Relay; sending rate limit: " + decision.Reason, UpdatedAt = now };
                }
                var deferred = record with { Attempt = record.Attempt + 1, LeaseUntil = null, NextAttemptAt = now + decision.RetryAfter };
                await queues.SendOutboundAsync(message with { Attempt = deferred.Attempt }, decision.RetryAfter, cancellationToken).ConfigureAwait(false);
                await state.SaveAsync(deferred, recipients.Values, cancellationToken).ConfigureAwait(false);
                return (null, null);
            }
        }
        record = record with { Charged = true };

        // Hosted domains never go through MX: straight to the inbound path.
        var local = new List<OutboundRecipientRecord>();
        var remote = new List<OutboundRecipientRecord>();
        foreach (var r in pending)
        {
            var hosted = MailAddress.TryParse(r.Address, out var a) && await resolver.GetHostedDomainAsync(a.Domain, cancellationToken).ConfigureAwait(false) is not null;
            (hosted ? local : remote).Add(r);
        }
        if (local.Count > 0)
        {
            await HandOffLocallyAsync(record, local, now, cancellationToken).ConfigureAwait(false);
            var done = local.Select(r => r with { State = RecipientState.Delivered, Status = "2.0.0", Diagnostic = "X-Relay; handed to local delivery", RemoteMta = null, UpdatedAt = now, Attempts = r.Attempts + 1 }).ToList();
            foreach (var r in done)
            {
                recipients[r.Index] = r;
            }
            await state.SaveRecipientsAsync(record, done, cancellationToken).ConfigureAwait(false);
        }
        if (remote.Count == 0)
        {
            return (record, null);
        }

        OutboundMessageFile file;
        await using (var blob = await store.OpenReadAsync(record.BlobName, cancellationToken).ConfigureAwait(false))
        {
            file = await OutboundMessageFile.CreateAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            if (message.ForwardedBy is { } forwarder)
            {
                // Forwarded mail is someone else's: ARC carries our verdict on; it is never signed as the tenant's own.
                await arc.SealAsync(file.Message, forwarder, cancellationToken).ConfigureAwait(false);
            }
            else if (message.ShouldSign)
            {
                // Only a submission whose From: passed the send-as check carries the tenant's signature.
                await dkim.SignAsync(file.Message, record.TenantKey, cancellationToken).ConfigureAwait(false);
            }
            var needsUtf8 = record.SmtpUtf8 || file.HeadersHave8Bit || remote.Any(r => !System.Text.Ascii.IsValid(r.Address)) || !System.Text.Ascii.IsValid(record.MailFrom);
            var needs8Bit = file.BodyHas8Bit || string.Equals(record.Body, "8BITMIME", StringComparison.OrdinalIgnoreCase);
            var groups = options.SmartHost.Enabled
                ? [remote.GroupBy(_ => "").Single()]
                : remote.GroupBy(r => MailAddress.TryParse(r.Address, out var a) ? a.Domain : r.Address[(r.Address.LastIndexOf('@') + 1)..]).ToList();
            using var gate = new SemaphoreSlim(options.MaxParallelDomains);
            await Task.WhenAll(groups.Select(async group =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var request = new DeliveryRequest
                    {
                        MailFrom = record.MailFrom,
                        Recipients = group.Select(r => new HandoffRecipient { Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient }).ToList(),
                        Message = file,
                        NeedsSmtpUtf8 = needsUtf8,
                        Needs8BitMime = needs8Bit,
                        EnvelopeId = record.EnvelopeId,
                        Ret = record.Ret,
                    };
                    var results = await delivery.DeliverAsync(group.Key, request, cancellationToken).ConfigureAwait(false);
                    var updated = group.Select(r => results.TryGetValue(r.Address, out var s)
                        ? r with
                        {
                            State = s.State, Status = s.Status, Diagnostic = s.Diagnostic, RemoteMta = s.RemoteMta, UpdatedAt = time.GetUtcNow(), Attempts = r.Attempts + 1,
                            Reported = s.NotifyPassedOn, // the next server reports success itself
                        }
                        : r).ToList();
                    lock (recipients)
                    {
                        foreach (var r in updated)
                        {
                            recipients[r.Index] = r;
                        }
                    }
                    if (groups.Count > 1)
                    {
                        // Written as soon as the domain is done, so a crash later never re-sends to these.
                        await state.SaveRecipientsAsync(record, updated, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        unsaved.AddRange(updated);
                    }
                    LogDomainDone(record.Id, group.Key, updated.Count(r => r.State == RecipientState.Delivered), updated.Count(r => r.State == RecipientState.Failed),
                        updated.Count(r => r.State == RecipientState.Pending));
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return (record, file);
    }

    private async Task DeferAsync(OutboundRelayMessage message, OutboundMessageRecord record, List<OutboundRecipientRecord> pending,
        List<OutboundRecipientRecord> unsaved, DateTimeOffset now, OutboundMessageFile? file, CancellationToken cancellationToken)
    {
        var expiry = record.SubmittedAt + options.MaxLifetime;
        var delay = options.RetryDelay(record.Attempt);
        if (now + delay > expiry)
        {
            delay = expiry - now < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : expiry - now;
        }
        var next = record with { Attempt = record.Attempt + 1, LeaseUntil = null, NextAttemptAt = now + delay };
        if (!record.DelayWarned && now - record.SubmittedAt >= options.DelayWarningAfter)
        {
            await SaveUnsavedAsync(record, unsaved, cancellationToken).ConfigureAwait(false);
            var warn = pending.Where(r => r.WantsNotice("DELAY")).ToList();
            if (warn.Count > 0)
            {
                await using var original = file is null ? await LoadAsync(record, cancellationToken).ConfigureAwait(false) : null;
                await reports.SendAsync(DsnAction.Delayed, record, warn, file ?? original!, cancellationToken).ConfigureAwait(false);
            }
            next = next with { DelayWarned = true };
        }
        // Enqueue first, then record the new generation: a crash in between leaves a duplicate
        // (dropped as stale or harmless), never a message nobody will pick up.
        await queues.SendOutboundAsync(message with { Attempt = next.Attempt }, delay, cancellationToken).ConfigureAwait(false);
        await state.SaveAsync(next, unsaved, cancellationToken).ConfigureAwait(false);
        LogDeferred(record.Id, pending.Count, delay);
        MailMetrics.Deferred(pending.Count);
    }

    private async Task FinishAsync(OutboundMessageRecord record, Dictionary<int, OutboundRecipientRecord> recipients, List<OutboundRecipientRecord> unsaved,
        OutboundMessageFile? file, CancellationToken cancellationToken)
    {
        var failed = recipients.Values.Where(r => r.State == RecipientState.Failed && !r.Reported && r.WantsNotice("FAILURE")).ToList();
        var delivered = recipients.Values.Where(r => r.State == RecipientState.Delivered && !r.Reported && r.WantsNotice("SUCCESS")).ToList();
        if (failed.Count > 0 || delivered.Count > 0)
        {
            // Reports take a while: make the results durable first.
            await SaveUnsavedAsync(record, unsaved, cancellationToken).ConfigureAwait(false);
            await using var original = file is null ? await LoadAsync(record, cancellationToken).ConfigureAwait(false) : null;
            if (failed.Count > 0)
            {
                await reports.SendAsync(DsnAction.Failed, record, failed, file ?? original!, cancellationToken).ConfigureAwait(false);
            }
            if (delivered.Count > 0)
            {
                await reports.SendAsync(DsnAction.Relayed, record, delivered, file ?? original!, cancellationToken).ConfigureAwait(false);
            }
        }
        var final = recipients.Values.Where(r => !r.Reported).Select(r => r with { Reported = true }).ToList();
        var done = record with { Done = true, LeaseUntil = null, NextAttemptAt = null };
        await state.SaveAsync(done, final, cancellationToken).ConfigureAwait(false);
        await ReleaseBlobAsync(done, cancellationToken).ConfigureAwait(false);
        if (recipients.Values.Any(r => r.State == RecipientState.Delivered) && record.TenantKey != OutboundState.NoTenant)
        {
            usage?.MessageOut(KeyEscaping.Unescape(record.TenantKey), record.Size);
        }
        LogFinished(record.Id, recipients.Values.Count(r => r.State == RecipientState.Delivered), recipients.Values.Count(r => r.State == RecipientState.Failed));
        MailMetrics.Relayed(recipients.Values.Count(r => r.State == RecipientState.Delivered));
        MailMetrics.Bounced(recipients.Values.Count(r => r.State == RecipientState.Failed));
    }

    private async Task SaveUnsavedAsync(OutboundMessageRecord record, List<OutboundRecipientRecord> unsaved, CancellationToken cancellationToken)
    {
        if (unsaved.Count > 0)
        {
            await state.SaveRecipientsAsync(record, unsaved, cancellationToken).ConfigureAwait(false);
            unsaved.Clear();
        }
    }

    private async Task<OutboundMessageFile> LoadAsync(OutboundMessageRecord record, CancellationToken cancellationToken)
    {
        await using var blob = await store.OpenReadAsync(record.BlobName, cancellationToken).ConfigureAwait(false);
        return await OutboundMessageFile.CreateAsync(blob, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the message for the inbound path (which owns its copy), keyed so a retry files nothing twice.</summary>
    private async Task HandOffLocallyAsync(OutboundMessageRecord record, List<OutboundRecipientRecord> local, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var copy = MessageStore.NewBlobName(now);
        long size;
        await using (var source = await store.OpenReadAsync(record.BlobName, cancellationToken).ConfigureAwait(false))
        await using (var writer = store.CreateWriter(copy))
        {
            await source.CopyToAsync(writer, cancellationToken).ConfigureAwait(false);
            size = await writer.CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        await queues.SendInboundAsync(new InboundHandoff
        {
            Id = $"{record.Id}.local.{string.Join("-", local.Select(r => r.Index))}",
            BlobName = copy,
            Size = size,
            MailFrom = record.MailFrom,
            Recipients = local.Select(r => new HandoffRecipient { Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient }).ToList(),
            ReceivedAt = now,
            AuthenticatedAs = record.AuthenticatedAs,
            Tls = true,
            EnvelopeId = record.EnvelopeId,
            Ret = record.Ret,
            Body = record.Body,
            SmtpUtf8 = record.SmtpUtf8,
            Via = record.AuthenticatedAs is null ? "mx" : "submission",
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The relay is done with the blob: delete it, or release its holder when others share it.</summary>
    private async Task ReleaseBlobAsync(OutboundMessageRecord record, CancellationToken cancellationToken)
    {
        if (record.BlobHolder is { Length: > 0 } holder)
        {
            await holders.ReleaseAsync(record.BlobName, holder, shared: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await store.DeleteAsync(record.BlobName, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound {Id}: attempt {Attempt} is an older copy; dropped")]
    private partial void LogStale(string id, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound {Id}: attempt {Attempt} dropped: the message is on hold")]
    private partial void LogHeld(string id, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spilled outbound message {Blob} is gone: handled before")]
    private partial void LogSpillDone(string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound {Id}: deferred by the sending rate limit: {Reason}")]
    private partial void LogRateLimited(string id, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound {Id} to {Domain}: {Delivered} delivered, {Failed} failed, {Pending} pending")]
    private partial void LogDomainDone(string id, string domain, int delivered, int failed, int pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound {Id}: {Pending} recipients deferred for {Delay}")]
    private partial void LogDeferred(string id, int pending, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound {Id} finished: {Delivered} delivered, {Failed} failed")]
    private partial void LogFinished(string id, int delivered, int failed);
}

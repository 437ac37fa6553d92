using System.Net;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;

namespace Serverless.Mail.Delivery;

/// <summary>
/// Accepting a received message: the one entry point the SMTP listener calls, with the envelope
/// (<see cref="MessageEnvelope"/>) and the body as its decoder produces it. <see cref="Begin"/> gives
/// the <see cref="IncomingMessage"/> the body is written into chunk by chunk; <see cref="AcceptAsync"/>
/// makes it durable and answers with an <see cref="IntakeResult"/>. The order is the durability
/// contract: commit the blob, put the hand-off(s) on their queues, and only then Accepted. If any step
/// fails the result is a temporary failure and what was written is taken back (best effort), so a
/// retry by the client never leaves a second copy queued.
/// </summary>
public sealed partial class MessageIntake(MessageStore store, MailQueues queues, BlobHolders holders, MessageAuthenticator authenticator, ArrivalChecks checks,
    SendingRateLimit rateLimit, SubmissionSenders senders, DeliveryOptions deliveryOptions, ILogger<MessageIntake> logger, Spam.SpamScorer? spam = null)
{
    private static readonly TimeSpan SpfDeadline = TimeSpan.FromSeconds(20);

    /// <summary>Storage steps get their own deadline: a client hanging up after the final dot must not cut a commit in half.</summary>
    private static readonly TimeSpan StorageDeadline = TimeSpan.FromSeconds(60);

    /// <summary>Who a logged-in user may send as (MAIL FROM uses the same rule as the header check here).</summary>
    public SubmissionSenders Senders => senders;

    /// <summary>
    /// Starts SPF for a new MX transaction (at MAIL FROM, for <see cref="MessageEnvelope.Spf"/>); never
    /// faults (a failed check is a temperror). The envelope domain's DMARC lookups start alongside,
    /// so DATA's reply does not wait for them.
    /// </summary>
    public Task<SpfResult> StartSpfCheck(IPAddress? client, string reversePath, string? helo)
    {
        ArgumentNullException.ThrowIfNull(reversePath);
        _ = Task.Run(async () =>
        {
            using var deadline = new CancellationTokenSource(SpfDeadline);
            await authenticator.WarmDmarcAsync(reversePath, deadline.Token).ConfigureAwait(false);
        });
        return Task.Run(async () =>
        {
            try
            {
                using var deadline = new CancellationTokenSource(SpfDeadline);
                return await authenticator.CheckSpfAsync(client, reversePath, helo, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogCheckFailed("SPF", e.Message);
                return SpfResult.TempError;
            }
        });
    }

    /// <summary>A new message for <paramref name="envelope"/>; the caller writes its body and disposes it.</summary>
    public IncomingMessage Begin(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var id = Guid.NewGuid().ToString("N");
        var receivedAt = DateTimeOffset.UtcNow;
        // Forged Authentication-Results are removed on the MX (RFC 8601 section 5) and on submission too:
        // a user has no business claiming our verdicts either, and the same blob may be delivered locally.
        return new IncomingMessage(store, envelope, id, receivedAt, MessageStore.NewBlobName(receivedAt), TraceHeaders.Build(envelope, id, receivedAt),
            deliveryOptions.HostName)
        {
            // MX mail for local recipients: its hand-off is on the way from the first byte of its data, so a queue put
            // under way meanwhile may wait a little for it and share its queue message (MailQueues.Group.cs).
            ExpectedHandoff = !envelope.Submission && envelope.Recipients.Any(r => r.IsLocal) ? queues.ExpectInbound() : null,
        };
    }

    /// <summary>
    /// Stores the whole message and queues it. Runs under its own storage deadline rather than the
    /// connection's token, so the client going away cannot leave a half-made acceptance.
    /// </summary>
    public async Task<IntakeResult> AcceptAsync(IncomingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var deadline = new CancellationTokenSource(StorageDeadline);
        var ct = deadline.Token;
        var envelope = message.Envelope;
        if (await CheckSendersAsync(message, ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        MessageSummary? summary = null;
        SpoolBlobStream? ownSpool = null;
        var keep = false;
        var spool = message.Spool;
        var spf = envelope.Spf is null ? (SpfResult?)null : await envelope.Spf.ConfigureAwait(false);
        AuthenticationVerdict? verdict = null;
        Spam.SpamVerdict? spamVerdict = null;
        if (message.InMemory is { } body)
        {
            // Small message: check and summarise it now from memory (ArrivalChecks), so the ingest needs no
            // blob read, and store it with Authentication-Results and the trace headers in a single Put Blob.
            // DKIM verifies the bytes as sent; the stored copy then loses any Authentication-Results
            // field forged with our authserv-id (a signature that covered one will not verify from
            // the stored copy again: accepted, our own header carries the verdict).
            var parsed = await checks.TryCheckAsync(body, envelope.Sender.Address, envelope.Helo, spf, ct).ConfigureAwait(false);
            verdict = parsed?.Verdict;
            // The spam score, before anything is written: a refusal at the MX leaves nothing behind (no backscatter).
            spamVerdict = await ScoreSpamAsync(message, parsed?.Message, verdict, body, ct).ConfigureAwait(false);
            parsed?.Dispose();
            if (spamVerdict is { Reject: true })
            {
                LogSpamRefused(message.Id, spamVerdict.Score, string.Join(',', spamVerdict.Tests.Select(t => t.Name)));
                return new IntakeResult(IntakeOutcome.SpamRefused, message.Id);
            }
            var spamHeader = spamVerdict?.Header ?? [];
            var authResults = parsed?.Header ?? [];
            var (header, rest) = message.FilterInMemory();
            if (message.ForgedFieldsRemoved > 0 && parsed is not null)
            {
                // The summary's offsets must match the stored bytes: summarise the filtered copy (rare, so parsed twice).
                var stored = new byte[header.Length + rest.Length];
                header.CopyTo(stored);
                rest.CopyTo(stored.AsMemory(header.Length));
                parsed = await checks.TrySummariseAsync(stored, ct).ConfigureAwait(false);
                parsed?.Dispose();
            }
            summary = parsed is null ? null : MessageSummaryOffsets.Prepend(parsed.Summary, [.. authResults, .. message.TraceHeaders, .. spamHeader]);
            // A buffer the size of what is stored, not the 1 MiB a streaming writer needs (a full
            // buffer is staged as a block only when more bytes follow: this is one Put Blob). When the
            // listener keeps what it stored (it serves IMAP/POP3 from memory too), an array of exactly
            // that length, handed over after the commit instead of copied.
            var storedLength = authResults.Length + message.TraceHeaders.Length + spamHeader.Length + header.Length + rest.Length;
            keep = storedLength <= message.KeepStoredBytesUpTo && envelope.Recipients.Any(r => r.IsLocal);
            // The stored message, in order: our headers in front, then the client's bytes.
            ReadOnlyMemory<byte>[] parts = [authResults, message.TraceHeaders, spamHeader, header, rest];
            if (CanCarryInHandoff(message, summary, storedLength))
            {
                // Small MX message: its final bytes ride in the hand-off, and no blob is written at all
                // (docs/storage.md, "Inbound mail in its hand-off"). The queue put is the durability point.
                var content = GC.AllocateUninitializedArray<byte>(storedLength);
                var at = 0;
                foreach (var part in parts)
                {
                    part.Span.CopyTo(content.AsSpan(at));
                    at += part.Length;
                }
                var (handoff, json) = InboundHandoffFor(message, summary, storedLength, spf, verdict?.Junk ?? false, verdict?.Dmarc.Result, spamVerdict,
                    streamed: false, holder: null, content, queues.CompressCarried);
                if (json.Length <= MailQueues.MaxMessageJsonBytes)
                {
                    if (message.ForgedFieldsRemoved > 0)
                    {
                        LogForgedRemoved(message.Id, message.ForgedFieldsRemoved);
                    }
                    var carried = await HandOffCarriedAsync(message, handoff, json, message.ExpectedHandoff, ct).ConfigureAwait(false);
                    // The same array that went into the hand-off: nobody writes to it any more.
                    return keep && carried.Accepted ? carried with { StoredBytes = content } : carried;
                }
                // Too large for a queue message with its envelope and summary after all: stored as a blob, as before.
            }
            ownSpool = spool = keep ? store.CreateWholeWriter(message.BlobName, storedLength) : store.CreateWriter(message.BlobName, Math.Max(4096, storedLength));
            foreach (var part in parts)
            {
                await spool.WriteAsync(part, ct).ConfigureAwait(false);
            }
        }

        MailQueues.InboundExpectation? expected = null;
        try
        {
            long size;
            try
            {
                if (ownSpool is null)
                {
                    // Large message: filtered while it streamed (its checks run in the ingest, on the stored bytes).
                    // Its connection signals are scored now: enough to refuse it before the commit.
                    spamVerdict = await ScoreSpamAsync(message, null, null, ReadOnlyMemory<byte>.Empty, ct).ConfigureAwait(false);
                    if (spamVerdict is { Reject: true })
                    {
                        LogSpamRefused(message.Id, spamVerdict.Score, string.Join(',', spamVerdict.Tests.Select(t => t.Name)));
                        await DiscardSpoolAsync(message).ConfigureAwait(false);
                        return new IntakeResult(IntakeOutcome.SpamRefused, message.Id);
                    }
                    await message.CompleteSpoolAsync(ct).ConfigureAwait(false);
                }
                // From here a hand-off for local recipients follows: a queue put under way may wait for it (MailQueues.Group.cs).
                expected = message.ExpectedHandoff ?? (envelope.Recipients.Any(r => r.IsLocal) ? queues.ExpectInbound() : null);
                var metadata = verdict is null ? null : new Dictionary<string, string> { [ArrivalChecks.MetadataKey] = "1" };
                size = await spool!.CommitAsync(metadata, ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogStoreFailed(e, message.Id);
                await DeleteBlobAsync(message.BlobName).ConfigureAwait(false);
                return new IntakeResult(IntakeOutcome.TemporaryFailure, message.Id);
            }
            if (message.ForgedFieldsRemoved > 0)
            {
                LogForgedRemoved(message.Id, message.ForgedFieldsRemoved);
            }
            var result = await HandOffAsync(message, summary, size, spf, verdict?.Junk ?? false, ct, verdict?.Dmarc.Result, spamVerdict, ownSpool is null, expected).ConfigureAwait(false);
            return keep && result.Accepted ? result with { StoredBytes = ownSpool!.TakeCommittedBytes() } : result;
        }
        finally
        {
            expected?.Dispose();
            if (ownSpool is not null)
            {
                await ownSpool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Submission: the header's From: and Sender: must be the user's to send as, for every size (a
    /// streamed message's header was captured on its way into the blob). A refusal keeps nothing:
    /// a streamed message's blob was never committed, and its staged blocks are dropped with a delete.
    /// </summary>
    private async Task<IntakeResult?> CheckSendersAsync(IncomingMessage message, CancellationToken ct)
    {
        if (!message.Envelope.Submission || message.Envelope.User is not { } user)
        {
            return null;
        }
        SenderRefusal? refusal;
        try
        {
            var (header, complete) = message.HeaderSection;
            refusal = await senders.CheckHeaderAsync(user, header, complete, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStoreFailed(e, message.Id);
            await DiscardSpoolAsync(message).ConfigureAwait(false);
            return new IntakeResult(IntakeOutcome.TemporaryFailure, message.Id);
        }
        if (refusal is null)
        {
            return null;
        }
        LogSenderRefused(message.Id, user.Address, refusal.Text);
        await DiscardSpoolAsync(message).ConfigureAwait(false);
        return new IntakeResult(IntakeOutcome.SenderRefused, message.Id) { Refusal = refusal };
    }

    private async Task DiscardSpoolAsync(IncomingMessage message)
    {
        if (message.Spool is not null)
        {
            await DeleteBlobAsync(message.BlobName).ConfigureAwait(false);
        }
    }

    private async Task DeleteBlobAsync(string blobName) => await BestEffortAsync(ct => store.DeleteAsync(blobName, ct)).ConfigureAwait(false);

    private async Task BestEffortAsync(Func<CancellationToken, Task> action)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await action(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogCleanupFailed(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted message {Id} ({Size} bytes, {Recipients} recipients)")]
    private partial void LogAccepted(string id, long size, int recipients);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store message {Id}; answered 451")]
    private partial void LogStoreFailed(Exception e, string id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not queue message {Id}; answered 451")]
    private partial void LogQueueFailed(Exception e, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cleanup after a failed acceptance did not complete (orphan left for upkeep): {Reason}")]
    private partial void LogCleanupFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Check} check failed in the listener: {Reason}")]
    private partial void LogCheckFailed(string check, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {Id}: removed {Count} forged field(s) (Authentication-Results claiming our authserv-id, X-Spam-*)")]
    private partial void LogForgedRemoved(string id, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Id} from {User} refused: {Reason}")]
    private partial void LogSenderRefused(string id, string user, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Id} refused by the sending rate limit: {Reason}")]
    private partial void LogRateLimited(string id, string? reason);
}

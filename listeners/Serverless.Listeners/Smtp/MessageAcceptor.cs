using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using System.Text;
using Serverless.Mail.Delivery;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Queues;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp;

/// <summary>
/// Takes a received message to durable storage and answers for it. The order is the durability
/// contract: commit the blob, put the hand-off(s) on their queues, and only then 250. If any step
/// fails the client gets 451 4.3.0 and what was written is taken back (best effort), so a retry by
/// the client never leaves a second copy queued.
/// </summary>
public sealed partial class MessageAcceptor(MessageStore store, MailQueues queues, BlobHolders holders, MessageAuthenticator authenticator,
    Mail.Outbound.SendingRateLimit rateLimit, DeliveryOptions deliveryOptions, ILogger<MessageAcceptor> logger)
{
    private static readonly TimeSpan SpfDeadline = TimeSpan.FromSeconds(20);

    /// <summary>Starts SPF for a new MX transaction; never faults (a failed check is a temperror).</summary>
    public Task<SpfResult> StartSpfCheck(SmtpSession session, SmtpPath reversePath)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(reversePath);
        var client = session.ClientAddress;
        var helo = session.Helo;
        return Task.Run(async () =>
        {
            try
            {
                using var deadline = new CancellationTokenSource(SpfDeadline);
                return await authenticator.CheckSpfAsync(client, reversePath.Address, helo, deadline.Token);
            }
            catch (Exception e)
            {
                LogCheckFailed("SPF", e.Message);
                return SpfResult.TempError;
            }
        });
    }

    /// <summary>Storage steps get their own deadline: a client hanging up after the final dot must not cut a commit in half.</summary>
    private static readonly TimeSpan StorageDeadline = TimeSpan.FromSeconds(60);

    public IncomingMessage Begin(SmtpSession session, SmtpTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(session);
        var id = Guid.NewGuid().ToString("N");
        var receivedAt = DateTimeOffset.UtcNow;
        // Forged Authentication-Results are removed on the MX (RFC 8601 section 5) and on submission too:
        // a user has no business claiming our verdicts either, and the same blob may be delivered locally.
        return new IncomingMessage(store, id, receivedAt, MessageStore.NewBlobName(receivedAt), TraceHeaders.Build(session, transaction, id, receivedAt),
            deliveryOptions.HostName);
    }

    public async Task<SmtpReply> AcceptAsync(SmtpSession session, SmtpTransaction transaction, IncomingMessage message)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(message);
        using var deadline = new CancellationTokenSource(StorageDeadline);
        var ct = deadline.Token;

        MessageSummary? summary = null;
        SpoolBlobStream? ownSpool = null;
        var spool = message.Spool;
        var spf = transaction.Spf is null ? (SpfResult?)null : await transaction.Spf;
        AuthenticationVerdict? verdict = null;
        if (message.InMemory is { } body)
        {
            // Small message: check and summarise it now from memory, so the ingest needs no blob read,
            // and store it with Authentication-Results and the trace headers in a single Put Blob.
            // DKIM verifies the bytes as sent; the stored copy then loses any Authentication-Results
            // field forged with our authserv-id (a signature that covered one will not verify from
            // the stored copy again: accepted, our own header carries the verdict).
            var parsed = await TryParseAsync(body, ct);
            if (parsed is not null && spf is not null)
            {
                verdict = await TryAuthenticateAsync(parsed.Value.Message, transaction, session.Helo, spf.Value, ct);
            }
            parsed?.Message.Dispose();
            var (header, rest) = message.FilterInMemory();
            if (message.ForgedFieldsRemoved > 0 && parsed is not null)
            {
                // The summary's offsets must match the stored bytes: summarise the filtered copy (rare, so parsed twice).
                var stored = new byte[header.Length + rest.Length];
                header.CopyTo(stored);
                rest.CopyTo(stored.AsMemory(header.Length));
                parsed = await TryParseAsync(stored, ct);
                parsed?.Message.Dispose();
            }
            var authResults = verdict is null ? [] : Encoding.UTF8.GetBytes(verdict.Header);
            summary = parsed is null ? null : MessageSummaryOffsets.Prepend(parsed.Value.Summary, [.. authResults, .. message.TraceHeaders]);
            ownSpool = spool = store.CreateWriter(message.BlobName);
            await spool.WriteAsync(authResults, ct);
            await spool.WriteAsync(message.TraceHeaders, ct);
            await spool.WriteAsync(header, ct);
            await spool.WriteAsync(rest, ct);
        }

        try
        {
            long size;
            try
            {
                if (ownSpool is null)
                {
                    // Large message: filtered while it streamed (DKIM runs in the ingest, on the stored bytes).
                    await message.CompleteSpoolAsync(ct);
                }
                var metadata = verdict is null ? null : new Dictionary<string, string> { [InboundAuthentication.MetadataKey] = "1" };
                size = await spool!.CommitAsync(metadata, ct);
            }
            catch (Exception e)
            {
                LogStoreFailed(e, message.Id);
                await DeleteBlobAsync(message.BlobName);
                return TemporaryFailure;
            }
            if (message.ForgedFieldsRemoved > 0)
            {
                LogForgedRemoved(message.Id, message.ForgedFieldsRemoved);
            }
            return await HandOffAsync(session, transaction, message, summary, size, spf, verdict?.Junk ?? false, ct);
        }
        finally
        {
            if (ownSpool is not null)
            {
                await ownSpool.DisposeAsync();
            }
        }
    }

    private async Task<SmtpReply> HandOffAsync(SmtpSession session, SmtpTransaction transaction, IncomingMessage message, MessageSummary? summary, long size,
        SpfResult? spf, bool junk, CancellationToken ct)
    {
        var local = transaction.Recipients.Where(r => r.IsLocal).ToList();
        var remote = transaction.Recipients.Where(r => !r.IsLocal).ToList();
        // Sending limits (Outbound/SendingRateLimit): a stolen password cannot spray the internet.
        // Counted here, where a refusal reaches the client; the relay then does not count again.
        var rated = false;
        if (remote.Count > 0 && session.User is { } sender)
        {
            var decision = await rateLimit.TryAcquireAsync(sender.TenantId, sender.Address, remote.Count, ct);
            if (!decision.Allowed)
            {
                LogRateLimited(message.Id, decision.Reason);
                await DeleteBlobAsync(message.BlobName);
                return SmtpReply.Of(450, "4.7.1", "Sending rate limit reached, try again later");
            }
            rated = true;
        }
        var shared = local.Count > 0 && remote.Count > 0;
        var inboundHolder = shared ? message.Id + "|in" : null;
        var outboundHolder = shared ? message.Id + "|out" : null;
        var mail = transaction.MailFrom;

        var inbound = local.Count == 0 ? null : FitToQueue(new InboundHandoff
        {
            Id = message.Id,
            BlobName = message.BlobName,
            Size = size,
            MailFrom = mail.ReversePath.Address,
            Recipients = local.Select(r => new HandoffRecipient
            {
                Address = r.Address,
                Notify = r.Command.Notify,
                OriginalRecipient = r.Command.OriginalRecipient,
                Mailboxes = r.Local!.Mailboxes.Select(m => new HandoffMailbox { MailboxId = m.MailboxId, QuotaBytes = m.QuotaBytes }).ToList(),
                Forward = r.Local.ExternalTargets,
                TenantId = r.Local.TenantId,
            }).ToList(),
            ReceivedAt = message.ReceivedAt,
            ClientIp = session.ClientAddressText,
            Helo = session.Helo,
            AuthenticatedAs = session.User?.Address,
            Tls = session.Transport.IsTls,
            EnvelopeId = mail.EnvelopeId,
            Ret = mail.Ret,
            Body = mail.Body,
            SmtpUtf8 = mail.SmtpUtf8,
            Via = session.IsSubmission ? "submission" : "mx",
            Summary = summary,
            Holder = inboundHolder,
            Spf = spf is null ? null : AuthenticationResultsHeader.Name(spf.Value),
            Junk = junk,
        });
        var outbound = remote.Count == 0 ? null : new OutboundRelayMessage
        {
            Id = message.Id,
            BlobName = message.BlobName,
            Size = size,
            MailFrom = mail.ReversePath.Address,
            Recipients = remote.Select(r => new HandoffRecipient { Address = r.Address, Notify = r.Command.Notify, OriginalRecipient = r.Command.OriginalRecipient }).ToList(),
            TenantId = session.User?.TenantId,
            AuthenticatedAs = session.User?.Address,
            SubmittedAt = message.ReceivedAt,
            EnvelopeId = mail.EnvelopeId,
            Ret = mail.Ret,
            Body = mail.Body,
            SmtpUtf8 = mail.SmtpUtf8,
            Holder = outboundHolder,
            Rated = rated,
        };

        SendReceipt? sentOutbound = null;
        try
        {
            if (shared)
            {
                await holders.AddAsync(message.BlobName, [inboundHolder!, outboundHolder!], ct);
            }
            if (outbound is not null)
            {
                sentOutbound = await queues.SendOutboundAsync(outbound, cancellationToken: ct);
            }
            if (inbound is not null)
            {
                await queues.SendInboundAsync(inbound, ct);
            }
        }
        catch (Exception e)
        {
            LogQueueFailed(e, message.Id);
            if (sentOutbound is not null)
            {
                await BestEffortAsync(t => queues.RecallOutboundAsync(sentOutbound, t));
            }
            await DeleteBlobAsync(message.BlobName);
            if (shared)
            {
                await BestEffortAsync(t => holders.ReleaseAsync(message.BlobName, inboundHolder, shared: true, t));
                await BestEffortAsync(t => holders.ReleaseAsync(message.BlobName, outboundHolder, shared: true, t));
            }
            return TemporaryFailure;
        }
        LogAccepted(message.Id, size, transaction.Recipients.Count);
        return SmtpReply.Of(250, "2.0.0", $"OK: queued as {message.Id}");
    }

    private static SmtpReply TemporaryFailure => SmtpReply.Of(451, "4.3.0", "Temporary storage failure, try again later");

    /// <summary>A queue message holds 64 KiB: drop the summary (the ingest then reads the blob), then the resolutions (it resolves again).</summary>
    private static InboundHandoff FitToQueue(InboundHandoff handoff)
    {
        if (MailQueues.JsonSize(handoff) <= MailQueues.MaxMessageJsonBytes)
        {
            return handoff;
        }
        handoff = handoff with { Summary = null };
        if (MailQueues.JsonSize(handoff) <= MailQueues.MaxMessageJsonBytes)
        {
            return handoff;
        }
        return handoff with { Recipients = handoff.Recipients.Select(r => r with { Mailboxes = null, Forward = null }).ToList() };
    }

    private async Task<(MessageSummary Summary, MimeKit.MimeMessage Message)?> TryParseAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        try
        {
            using var stream = new MemoryStream(body.ToArray(), writable: false);
            return await MessageSummaryBuilder.BuildAsync(stream, ct);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            LogSummaryFailed(e.Message);
            return null; // the ingest tries again from the blob
        }
    }

    /// <summary>DKIM and DMARC on the message in memory; null if the checks themselves broke (the ingest then runs them).</summary>
    private async Task<AuthenticationVerdict?> TryAuthenticateAsync(MimeKit.MimeMessage parsed, SmtpTransaction transaction, string? helo, SpfResult spf, CancellationToken ct)
    {
        try
        {
            return await authenticator.CheckAsync(parsed, transaction.MailFrom.ReversePath.Address, helo, spf, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed("DKIM/DMARC", e.Message);
            return null;
        }
    }

    private async Task DeleteBlobAsync(string blobName) => await BestEffortAsync(ct => store.DeleteAsync(blobName, ct));

    private async Task BestEffortAsync(Func<CancellationToken, Task> action)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await action(deadline.Token);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not summarise a message in the listener: {Reason}")]
    private partial void LogSummaryFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {Id}: removed {Count} Authentication-Results field(s) claiming our authserv-id")]
    private partial void LogForgedRemoved(string id, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Id} refused by the sending rate limit: {Reason}")]
    private partial void LogRateLimited(string id, string? reason);
}

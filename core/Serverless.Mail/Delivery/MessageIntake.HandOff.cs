using Azure.Storage.Queues.Models;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Hosting;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Mail.Queues;

namespace Serverless.Mail.Delivery;

public sealed partial class MessageIntake
{
    /// <summary>After the commit: the sending limits, then the hand-offs (inbound for local recipients, outbound for remote ones).</summary>
    private async Task<IntakeResult> HandOffAsync(IncomingMessage message, MessageSummary? summary, long size, SpfResult? spf, bool junk, CancellationToken ct,
        string? dmarc = null, Spam.SpamVerdict? spamVerdict = null, bool streamed = false, MailQueues.InboundExpectation? expected = null)
    {
        var envelope = message.Envelope;
        var local = envelope.Recipients.Where(r => r.IsLocal).ToList();
        var remote = envelope.Recipients.Where(r => !r.IsLocal).ToList();
        // Sending limits (Outbound/SendingRateLimit): a stolen password cannot spray the internet.
        // Counted here, where a refusal reaches the client; the relay then does not count again.
        var rated = false;
        if (remote.Count > 0 && envelope.User is { } sender)
        {
            var decision = await rateLimit.TryAcquireAsync(sender.TenantId, sender.Address, remote.Count, ct).ConfigureAwait(false);
            if (!decision.Allowed)
            {
                LogRateLimited(message.Id, decision.Reason);
                await DeleteBlobAsync(message.BlobName).ConfigureAwait(false);
                return new IntakeResult(IntakeOutcome.RateLimited, message.Id);
            }
            rated = true;
        }
        var shared = local.Count > 0 && remote.Count > 0;
        var inboundHolder = shared ? message.Id + "|in" : null;
        var outboundHolder = shared ? message.Id + "|out" : null;
        var mail = envelope.Sender;

        var (inbound, inboundJson) = local.Count == 0 ? ((InboundHandoff?)null, (byte[]?)null)
            : InboundHandoffFor(message, summary, size, spf, junk, dmarc, spamVerdict, streamed, inboundHolder, content: null);
        var outbound = remote.Count == 0 ? null : OutboundRelayMessage.Create(message.Id, message.BlobName, size, mail,
            remote.Select(r => new HandoffRecipient { Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient }).ToList(),
            message.ReceivedAt, envelope.User?.TenantId, outboundHolder, authenticatedAs: envelope.User?.Address, rated: rated,
            sign: envelope.Submission && envelope.User is not null); // the header passed CheckSendersAsync

        SendReceipt? sentOutbound = null;
        try
        {
            if (shared)
            {
                await holders.AddAsync(message.BlobName, [inboundHolder!, outboundHolder!], ct).ConfigureAwait(false);
            }
            if (outbound is not null)
            {
                sentOutbound = await queues.SendOutboundAsync(outbound, cancellationToken: ct).ConfigureAwait(false);
            }
            if (inbound is not null)
            {
                // Shares one queue message with the hand-offs of this process's other sessions finishing now (MailQueues.Group.cs).
                await queues.SendInboundGroupedAsync(inbound.Id, inboundJson!, ct, expected).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            LogQueueFailed(e, message.Id);
            if (sentOutbound is not null)
            {
                await BestEffortAsync(t => queues.RecallOutboundAsync(sentOutbound, t)).ConfigureAwait(false);
            }
            await DeleteBlobAsync(message.BlobName).ConfigureAwait(false);
            if (shared)
            {
                await BestEffortAsync(t => holders.ReleaseAsync(message.BlobName, inboundHolder, shared: true, t)).ConfigureAwait(false);
                await BestEffortAsync(t => holders.ReleaseAsync(message.BlobName, outboundHolder, shared: true, t)).ConfigureAwait(false);
            }
            return new IntakeResult(IntakeOutcome.TemporaryFailure, message.Id);
        }
        LogAccepted(message.Id, size, envelope.Recipients.Count);
        MailMetrics.Accepted(envelope.Submission);
        return new IntakeResult(IntakeOutcome.Accepted, message.Id);
    }

    /// <summary>
    /// Whether an accepted message's bytes may travel in its hand-off instead of a blob: MX mail
    /// (submissions keep their blob, which the relay also reads), every recipient local and none
    /// forwarding outside (a forward is relayed from a blob), summarised (the ingest then needs no
    /// bytes but these), and within <see cref="MailQueues.InlineHandoffBytes"/>.
    /// </summary>
    private bool CanCarryInHandoff(IncomingMessage message, MessageSummary? summary, int storedLength) =>
        storedLength <= queues.InlineHandoffBytes
        && summary is not null
        && !message.Envelope.Submission
        && message.Envelope.Recipients.Count > 0
        && message.Envelope.Recipients.All(r => r.Local is { ExternalTargets.Count: 0 });

    /// <summary>
    /// Puts a hand-off that carries its message on the inbound queue (alone, or grouped with others of
    /// this process): once that put succeeded the message is durable, and it is Accepted. Nothing
    /// else was written, so a failure leaves nothing to take back.
    /// </summary>
    private async Task<IntakeResult> HandOffCarriedAsync(IncomingMessage message, InboundHandoff handoff, byte[] json,
        MailQueues.InboundExpectation? expected, CancellationToken ct)
    {
        try
        {
            await queues.SendInboundGroupedAsync(handoff.Id, json, ct, expected).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogQueueFailed(e, message.Id);
            return new IntakeResult(IntakeOutcome.TemporaryFailure, message.Id);
        }
        LogAccepted(message.Id, handoff.Size, message.Envelope.Recipients.Count);
        MailMetrics.Accepted(message.Envelope.Submission);
        return new IntakeResult(IntakeOutcome.Accepted, message.Id);
    }

    /// <summary>
    /// The inbound hand-off for the local recipients of <paramref name="message"/>, and its JSON as it
    /// goes on the queue. With <paramref name="content"/> it carries the message (version 2), and the
    /// summary goes without its raw header, which is the first bytes of the content anyway.
    /// </summary>
    private static (InboundHandoff Handoff, byte[] Json) InboundHandoffFor(IncomingMessage message, MessageSummary? summary, long size, SpfResult? spf, bool junk,
        string? dmarc, Spam.SpamVerdict? spamVerdict, bool streamed, string? holder, byte[]? content, bool compress = false)
    {
        var envelope = message.Envelope;
        var mail = envelope.Sender;
        return FitToQueue(new InboundHandoff
        {
            Version = content is null ? InboundHandoff.CurrentVersion : InboundHandoff.ContentVersion,
            Id = message.Id,
            BlobName = message.BlobName,
            Size = size,
            MailFrom = mail.Address,
            Recipients = envelope.Recipients.Where(r => r.IsLocal).Select(r => new HandoffRecipient
            {
                Address = r.Address,
                Notify = r.Notify,
                OriginalRecipient = r.OriginalRecipient,
                Mailboxes = r.Local!.Mailboxes.Select(m => new HandoffMailbox { MailboxId = m.MailboxId, QuotaBytes = m.QuotaBytes }).ToList(),
                Forward = r.Local.ExternalTargets,
                TenantId = r.Local.TenantId,
                Junk = spamVerdict?.JunkFor(r.Local.TenantId) ?? false,
            }).ToList(),
            ReceivedAt = message.ReceivedAt,
            ClientIp = envelope.ClientAddress?.ToString() ?? "unknown",
            Helo = envelope.Helo,
            AuthenticatedAs = envelope.User?.Address,
            Tls = envelope.Tls is not null,
            EnvelopeId = mail.EnvelopeId,
            Ret = mail.Ret,
            Body = mail.Body,
            SmtpUtf8 = mail.SmtpUtf8,
            Via = envelope.Submission ? "submission" : "mx",
            Summary = content is null || summary is null ? summary : summary with { RawHeader = null },
            Holder = holder,
            Spf = spf is null ? null : AuthenticationResultsHeader.Name(spf.Value),
            Junk = junk,
            Dmarc = dmarc,
            SpamScore = streamed ? null : spamVerdict?.Score,
            // A streamed message was scored on its connection only: the ingest completes it.
            SpamTests = streamed && spamVerdict is not null ? spamVerdict.Tests.Select(t => t.ToString()).ToList() : null,
            Content = content,
        } is var handoff && content is not null && compress && MailQueues.CompressIfSmaller(content) is { } compressed
            // Compressed (version 3): fewer bytes through the queue, more hand-offs per queue message (docs/storage.md).
            ? handoff with { Version = InboundHandoff.CompressedContentVersion, Content = null, CompressedContent = compressed }
            : handoff);
    }

    /// <summary>
    /// A queue message holds 64 KiB: drop the summary if that makes it fit (the ingest then reads the
    /// blob); a hand-off too large even so keeps everything and is spilled to a blob by <see cref="MailQueues"/>.
    /// Returns the JSON too, so the hand-off is serialised once on the way to the queue.
    /// </summary>
    private static (InboundHandoff Handoff, byte[] Json) FitToQueue(InboundHandoff handoff)
    {
        var json = MailQueues.Serialize(handoff);
        if (json.Length <= MailQueues.MaxMessageJsonBytes)
        {
            return (handoff, json);
        }
        if (handoff.Content is not null || handoff.CompressedContent is not null)
        {
            return (handoff, json); // carried only whole (summary and all); the caller stores a blob instead
        }
        var lean = handoff with { Summary = null };
        var leanJson = MailQueues.Serialize(lean);
        return leanJson.Length <= MailQueues.MaxMessageJsonBytes ? (lean, leanJson) : (handoff, json);
    }
}

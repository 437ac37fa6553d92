using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;

namespace Serverless.Mail.Delivery;

/// <summary>
/// Returns a DSN to the sender when the ingest cannot file a message for some recipients (over
/// quota, mailbox gone). A sender with a mailbox here gets it in INBOX directly; anyone else
/// through the outbound queue, from the null sender. Idempotent for a redelivered hand-off: the
/// INBOX copy has a dedupe key, the outbound message a fixed id the relay deduplicates on.
/// Nothing is sent for the null sender or when every recipient asked NOTIFY without FAILURE.
/// </summary>
public sealed partial class InboundBounces(MessageStore store, MailDirectory directory, MailboxIndex index, MailQueues queues, ILogger<InboundBounces> logger)
{
    public async Task SendAsync(InboundHandoff handoff, IReadOnlyList<(HandoffRecipient Recipient, string Status, string Diagnostic)> failures,
        MimeMessage? original, string reportingMta, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        ArgumentNullException.ThrowIfNull(failures);
        var wanted = failures.Where(f => f.Recipient.Notify is null || f.Recipient.Notify.Contains("FAILURE", StringComparison.OrdinalIgnoreCase)).ToList();
        if (wanted.Count == 0 || handoff.MailFrom.Length == 0 || !MailAddress.TryParse(handoff.MailFrom, out var sender))
        {
            return;
        }
        using var report = DeliveryStatusReport.Build(new DsnMessage
        {
            MailFrom = handoff.MailFrom,
            ReportingMta = reportingMta,
            EnvelopeId = handoff.EnvelopeId,
            ArrivalDate = handoff.ReceivedAt,
            ReturnFull = string.Equals(handoff.Ret, "FULL", StringComparison.OrdinalIgnoreCase) && handoff.Size <= 1024 * 1024,
        }, wanted.Select(f => new DsnRecipient
        {
            FinalRecipient = f.Recipient.Address,
            OriginalRecipient = f.Recipient.OriginalRecipient,
            Status = f.Status,
            Diagnostic = f.Diagnostic,
            LastAttempt = now,
        }).ToList(), original, now);
        using var bytes = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await report.WriteToAsync(format, bytes, cancellationToken).ConfigureAwait(false);
        // The same hand-off always makes the same report blob: a retry finds it instead of leaking a second one.
        var blobName = ReportBlobName(handoff);
        await using (var writer = store.CreateWriter(blobName))
        {
            await writer.WriteAsync(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), cancellationToken).ConfigureAwait(false);
            try
            {
                await writer.CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException e) when (e.Status is 409 or 412)
            {
                // written by an earlier attempt
            }
        }
        var mailbox = await directory.GetMailboxAsync(sender, cancellationToken).ConfigureAwait(false);
        if (mailbox is not null)
        {
            bytes.Position = 0;
            var (summary, parsed) = await MessageSummaryBuilder.BuildAsync(bytes, cancellationToken).ConfigureAwait(false);
            parsed.Dispose();
            var result = await index.AppendAsync(mailbox.MailboxId, SpecialUse.InboxId, new NewMessage
            {
                BlobName = blobName,
                Size = bytes.Length,
                InternalDate = now,
                Summary = summary,
                DedupeKey = handoff.Id + "|dsn",
            }, cancellationToken).ConfigureAwait(false);
            if (result.Outcome is not (AppendOutcome.Appended or AppendOutcome.Duplicate))
            {
                LogNotFiled(handoff.Id, result.Outcome);
                await store.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        await queues.SendOutboundAsync(new OutboundRelayMessage
        {
            Id = handoff.Id + ".dsn",
            BlobName = blobName,
            Size = bytes.Length,
            MailFrom = "",
            Recipients = [new HandoffRecipient { Address = handoff.MailFrom }],
            SubmittedAt = now,
            Rated = true, // a report is not the sender's own sending
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A name in the messages container derived from the hand-off id (server-made, never from a client).</summary>
    public static string ReportBlobName(InboundHandoff handoff)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("dsn|" + handoff.Id));
        return $"{handoff.ReceivedAt.UtcDateTime:yyyy'/'MM'/'dd}/{Convert.ToHexStringLower(hash.AsSpan(0, 16))}.eml";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The delivery report for hand-off {Id} could not be filed for its sender: {Outcome}")]
    private partial void LogNotFiled(string id, AppendOutcome outcome);
}

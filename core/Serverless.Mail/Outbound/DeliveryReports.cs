using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;

namespace Serverless.Mail.Outbound;

/// <summary>
/// Sends DSNs back to the sender of a relayed message. A sender with a mailbox here gets it
/// filed straight into INBOX (idempotent by a dedupe key, so a retried finish files it once);
/// any other sender gets it through the outbound queue from the null sender. Messages from the
/// null sender never get one — no bounce loops.
/// </summary>
public sealed partial class DeliveryReports(MessageStore store, MailDirectory directory, MailboxIndex index, MailQueues queues, OutboundOptions options,
    TimeProvider time, ILogger<DeliveryReports> logger)
{
    private const int InboxFolderId = 1;

    /// <summary>Reports <paramref name="recipients"/> with <paramref name="kind"/> (Failed, Delayed or Relayed), built by the shared RFC 3464 builder.</summary>
    public async Task SendAsync(DsnAction kind, OutboundMessageRecord message, IReadOnlyList<OutboundRecipientRecord> recipients, OutboundMessageFile original,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(original);
        if (message.MailFrom.Length == 0 || recipients.Count == 0 || !MailAddress.TryParse(message.MailFrom, out var sender))
        {
            return;
        }
        var now = time.GetUtcNow();
        var full = string.Equals(message.Ret, "FULL", StringComparison.OrdinalIgnoreCase) && original.Size <= options.DsnFullMessageLimit;
        using var report = DeliveryStatusReport.Build(new DsnMessage
        {
            MailFrom = message.MailFrom,
            ReportingMta = options.HeloName,
            EnvelopeId = message.EnvelopeId,
            ArrivalDate = message.SubmittedAt,
            ReturnFull = full,
        }, recipients.Select(r => new DsnRecipient
        {
            FinalRecipient = r.Address,
            OriginalRecipient = r.OriginalRecipient,
            Action = kind,
            Status = r.Status ?? (kind == DsnAction.Failed ? "5.0.0" : kind == DsnAction.Delayed ? "4.0.0" : "2.0.0"),
            Diagnostic = r.Diagnostic,
            RemoteMta = r.RemoteMta,
            LastAttempt = r.UpdatedAt,
            WillRetryUntil = kind == DsnAction.Delayed ? message.SubmittedAt + options.MaxLifetime : null,
        }).ToList(), original.Message, now);
        // Bounded: the report holds the original only up to DsnFullMessageLimit, otherwise its headers.
        using var bytes = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos; // stored mail is CRLF, as IMAP serves it
        await report.WriteToAsync(format, bytes, cancellationToken).ConfigureAwait(false);
        var dedupe = $"dsn|{message.Id}|{kind}|{string.Join(",", recipients.Select(r => r.Index))}";
        // The same report always gets the same blob name: a retried finish finds it instead of leaking another.
        var blobName = ReportBlobName(message.SubmittedAt, dedupe);
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
            var result = await index.AppendAsync(mailbox.MailboxId, InboxFolderId, new NewMessage
            {
                BlobName = blobName,
                Size = bytes.Length,
                InternalDate = now,
                Summary = summary,
                DedupeKey = dedupe,
            }, cancellationToken).ConfigureAwait(false);
            if (result.Outcome is not (AppendOutcome.Appended or AppendOutcome.Duplicate))
            {
                // A duplicate references this very blob; anything else leaves it unreferenced.
                LogNotFiled(kind, message.Id, result.Outcome);
                await store.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        await queues.SendOutboundAsync(new OutboundRelayMessage
        {
            Id = dedupe.Replace('|', '.'),
            BlobName = blobName,
            Size = bytes.Length,
            MailFrom = "",
            Recipients = [new HandoffRecipient { Address = sender.Address }],
            TenantId = string.IsNullOrEmpty(message.TenantKey) || message.TenantKey == OutboundState.NoTenant ? null : message.TenantKey,
            SubmittedAt = now,
            Rated = true, // reports are not the sender's sending
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A server-made name in the messages container, derived from the report's dedupe key.</summary>
    private static string ReportBlobName(DateTimeOffset day, string key)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
        return $"{day.UtcDateTime:yyyy'/'MM'/'dd}/{Convert.ToHexStringLower(hash.AsSpan(0, 16))}.eml";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Kind} report for outbound message {Id} was not filed: {Outcome}")]
    private partial void LogNotFiled(DsnAction kind, string id, AppendOutcome outcome);
}

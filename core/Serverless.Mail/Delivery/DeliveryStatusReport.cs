using System.Globalization;
using MimeKit;
using MimeKit.Utils;

namespace Serverless.Mail.Delivery;

/// <summary>What a delivery status notification says about the message as a whole (RFC 3464 2.2).</summary>
public sealed record DsnMessage
{
    /// <summary>The reverse-path the report goes to.</summary>
    public required string MailFrom { get; init; }

    /// <summary>Host name of the MTA writing the report (Reporting-MTA: dns; ...).</summary>
    public required string ReportingMta { get; init; }

    public string? EnvelopeId { get; init; }

    public DateTimeOffset ArrivalDate { get; init; }

    /// <summary>RET=FULL asks for the whole message back; otherwise only its headers are returned.</summary>
    public bool ReturnFull { get; init; }
}

public enum DsnAction
{
    Failed,
    Delayed,
    Delivered,
    Relayed,
    Expanded,
}

/// <summary>One recipient's group in the report (RFC 3464 2.3).</summary>
public sealed record DsnRecipient
{
    public required string FinalRecipient { get; init; }

    /// <summary>ORCPT as given ("rfc822;user@example.com"), if any.</summary>
    public string? OriginalRecipient { get; init; }

    public DsnAction Action { get; init; } = DsnAction.Failed;

    /// <summary>RFC 3463 status code, e.g. "5.2.2".</summary>
    public required string Status { get; init; }

    /// <summary>Diagnostic-Code, e.g. "smtp; 552 5.2.2 Mailbox full".</summary>
    public string? Diagnostic { get; init; }

    /// <summary>Remote-MTA ("dns; mx.example.org"), when another host gave the answer.</summary>
    public string? RemoteMta { get; init; }

    public DateTimeOffset? LastAttempt { get; init; }

    public DateTimeOffset? WillRetryUntil { get; init; }
}

/// <summary>
/// Builds a delivery status notification (RFC 3464): <c>multipart/report; report-type=delivery-status</c>
/// holding a human-readable part, a <c>message/delivery-status</c> part (per-message fields, then
/// one group per recipient), and the original message (RET=FULL) or its header
/// (<c>text/rfc822-headers</c>). Reports are sent from the null sender and marked
/// <c>Auto-Submitted: auto-replied</c> (RFC 3834) so they never cause another report.
/// Independent of where the failure happened: the ingest (quota) and the relay use it alike.
/// </summary>
public static class DeliveryStatusReport
{
    public static MimeMessage Build(DsnMessage message, IReadOnlyList<DsnRecipient> recipients, MimeMessage? original, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        var failed = recipients.Any(r => r.Action == DsnAction.Failed);
        var delayed = !failed && recipients.Any(r => r.Action == DsnAction.Delayed);
        var report = new MimeMessage();
        report.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + message.ReportingMta));
        report.To.Add(new MailboxAddress("", message.MailFrom));
        report.Subject = failed ? "Undelivered Mail Returned to Sender" : delayed ? "Delayed Mail (still being retried)" : "Successful Mail Delivery Report";
        report.Date = now;
        report.MessageId = MimeUtils.GenerateMessageId(message.ReportingMta);
        report.Headers.Add("Auto-Submitted", "auto-replied");
        if (original?.MessageId is { Length: > 0 } originalId)
        {
            report.InReplyTo = originalId;
            report.References.Add(originalId);
        }

        var body = new MultipartReport("delivery-status");
        body.Add(new TextPart("plain") { Text = Explanation(message, recipients, original, failed, delayed) });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList { { "Reporting-MTA", "dns; " + message.ReportingMta } };
        if (!string.IsNullOrEmpty(message.EnvelopeId))
        {
            perMessage.Add("Original-Envelope-Id", message.EnvelopeId);
        }
        perMessage.Add("Arrival-Date", DateUtils.FormatDate(message.ArrivalDate));
        status.StatusGroups.Add(perMessage);
        foreach (var r in recipients)
        {
            var group = new HeaderList();
            if (!string.IsNullOrEmpty(r.OriginalRecipient))
            {
                group.Add("Original-Recipient", OneLine(r.OriginalRecipient));
            }
            group.Add("Final-Recipient", (System.Text.Ascii.IsValid(r.FinalRecipient) ? "rfc822; " : "utf-8; ") + r.FinalRecipient);
            group.Add("Action", r.Action.ToString().ToLowerInvariant());
            group.Add("Status", r.Status);
            if (!string.IsNullOrEmpty(r.RemoteMta))
            {
                group.Add("Remote-MTA", r.RemoteMta);
            }
            if (!string.IsNullOrEmpty(r.Diagnostic))
            {
                group.Add("Diagnostic-Code", OneLine(r.Diagnostic));
            }
            if (r.LastAttempt is { } last)
            {
                group.Add("Last-Attempt-Date", DateUtils.FormatDate(last));
            }
            if (r.WillRetryUntil is { } until)
            {
                group.Add("Will-Retry-Until", DateUtils.FormatDate(until));
            }
            status.StatusGroups.Add(group);
        }
        body.Add(status);

        if (original is not null)
        {
            if (message.ReturnFull)
            {
                body.Add(new MessagePart("rfc822") { Message = original });
            }
            else
            {
                var headersOnly = new MimeMessage();
                headersOnly.Headers.Clear();
                // MimeKit keeps the Content-* headers on the body entity; the report wants the header as sent.
                foreach (var header in original.Headers.Concat(original.Body?.Headers ?? []))
                {
                    headersOnly.Headers.Add(header.Clone());
                }
                body.Add(new TextRfc822Headers { Message = headersOnly });
            }
        }
        report.Body = body;
        return report;
    }

    private static string Explanation(DsnMessage message, IReadOnlyList<DsnRecipient> recipients, MimeMessage? original, bool failed, bool delayed)
    {
        var w = new System.Text.StringBuilder();
        w.Append(CultureInfo.InvariantCulture, $"This is the mail system at {message.ReportingMta}.\n\n");
        w.Append(failed ? "Your message could not be delivered to one or more recipients.\n\n"
            : delayed ? "Your message could not be delivered yet; the mail system will keep trying. You need not send it again.\n\n"
            : "Your message was delivered to the following recipients.\n\n");
        if (original?.Subject is { Length: > 0 } subject)
        {
            w.Append("Subject: ").Append(OneLine(subject)).Append("\n\n");
        }
        foreach (var r in recipients)
        {
            w.Append('<').Append(r.FinalRecipient).Append(">: ").Append(OneLine(r.Diagnostic ?? r.Status)).Append('\n');
        }
        return w.ToString();
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

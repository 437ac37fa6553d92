using System.Globalization;
using MimeKit;
using MimeKit.Utils;

namespace Serverless.Mail.Outbound;

public enum ReportKind
{
    Failed,
    Delayed,
    Delivered,
}

/// <summary>
/// Builds a delivery status notification (RFC 3464): <c>multipart/report; report-type=delivery-status</c>
/// with a human-readable explanation, a <c>message/delivery-status</c> part with one group per
/// recipient, and the original message (RET=FULL and small enough) or its headers
/// (<c>text/rfc822-headers</c>). Marked <c>Auto-Submitted: auto-replied</c> (RFC 3834) and sent
/// from the null sender, so it never causes another bounce.
/// </summary>
public static class DeliveryReport
{
    public static MimeMessage Build(ReportKind kind, OutboundMessageRecord message, IReadOnlyList<OutboundRecipientRecord> recipients, MimeMessage original,
        bool includeFullMessage, string reportingMta, DateTimeOffset now, DateTimeOffset retryUntil)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(original);
        var report = new MimeMessage();
        report.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        report.To.Add(MailboxAddress.Parse(message.MailFrom));
        report.Subject = kind switch
        {
            ReportKind.Failed => "Undelivered Mail Returned to Sender",
            ReportKind.Delayed => "Delayed Mail (still being retried)",
            _ => "Successful Mail Delivery Report",
        };
        report.Date = now;
        report.MessageId = MimeUtils.GenerateMessageId(reportingMta);
        report.Headers.Add("Auto-Submitted", "auto-replied");
        if (original.MessageId is { Length: > 0 } originalId)
        {
            report.InReplyTo = originalId;
        }

        var body = new MultipartReport("delivery-status");
        body.Add(new TextPart("plain") { Text = Explanation(kind, message, recipients, original, retryUntil) });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + reportingMta },
        };
        if (!string.IsNullOrEmpty(message.EnvelopeId))
        {
            perMessage.Add("Original-Envelope-Id", message.EnvelopeId);
        }
        perMessage.Add("Arrival-Date", DateUtils.FormatDate(message.SubmittedAt));
        status.StatusGroups.Add(perMessage);
        foreach (var r in recipients)
        {
            var group = new HeaderList();
            if (!string.IsNullOrEmpty(r.OriginalRecipient))
            {
                group.Add("Original-Recipient", r.OriginalRecipient);
            }
            group.Add("Final-Recipient", "rfc822; " + r.Address);
            group.Add("Action", kind switch
            {
                ReportKind.Failed => "failed",
                ReportKind.Delayed => "delayed",
                _ => "relayed",
            });
            group.Add("Status", r.Status ?? (kind == ReportKind.Failed ? "5.0.0" : kind == ReportKind.Delayed ? "4.0.0" : "2.0.0"));
            if (!string.IsNullOrEmpty(r.RemoteMta))
            {
                group.Add("Remote-MTA", r.RemoteMta);
            }
            if (!string.IsNullOrEmpty(r.Diagnostic))
            {
                group.Add("Diagnostic-Code", OneLine(r.Diagnostic));
            }
            if (r.UpdatedAt is { } at)
            {
                group.Add("Last-Attempt-Date", DateUtils.FormatDate(at));
            }
            if (kind == ReportKind.Delayed)
            {
                group.Add("Will-Retry-Until", DateUtils.FormatDate(retryUntil));
            }
            status.StatusGroups.Add(group);
        }
        body.Add(status);

        if (includeFullMessage)
        {
            body.Add(new MessagePart("rfc822") { Message = original });
        }
        else
        {
            var headersOnly = new MimeMessage();
            headersOnly.Headers.Clear();
            // MimeKit keeps the Content-* headers on the body entity; the report wants them all.
            foreach (var header in original.Headers.Concat(original.Body?.Headers ?? []))
            {
                headersOnly.Headers.Add(header.Clone());
            }
            body.Add(new TextRfc822Headers { Message = headersOnly });
        }
        report.Body = body;
        return report;
    }

    private static string Explanation(ReportKind kind, OutboundMessageRecord message, IReadOnlyList<OutboundRecipientRecord> recipients, MimeMessage original,
        DateTimeOffset retryUntil)
    {
        var w = new System.Text.StringBuilder();
        w.Append(CultureInfo.InvariantCulture, $"This is the mail system at {message.SubmittedAt:u}.\n\n");
        w.Append(kind switch
        {
            ReportKind.Failed => "Your message could not be delivered to one or more recipients. It is attached below.\n\n",
            ReportKind.Delayed => string.Create(CultureInfo.InvariantCulture,
                $"Your message could not be delivered yet. The mail system will keep trying until {retryUntil:u}; you need not send it again.\n\n"),
            _ => "Your message was delivered to the following recipients' mail systems.\n\n",
        });
        if (original.Subject is { Length: > 0 } subject)
        {
            w.Append("Subject: ").Append(subject).Append("\n\n");
        }
        foreach (var r in recipients)
        {
            w.Append('<').Append(r.Address).Append(">: ").Append(OneLine(r.Diagnostic ?? r.Status ?? "")).Append('\n');
        }
        return w.ToString();
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

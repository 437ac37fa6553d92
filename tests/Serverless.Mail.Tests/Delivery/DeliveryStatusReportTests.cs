using MimeKit;
using Serverless.Mail.Delivery;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

public sealed class DeliveryStatusReportTests
{
    private static MimeMessage Original()
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse("sender@remote.example"));
        m.To.Add(MailboxAddress.Parse("user@example.com"));
        m.Subject = "the original";
        m.MessageId = "orig@remote.example";
        m.Body = new TextPart("plain") { Text = "secret body" };
        return m;
    }

    [Fact]
    public async Task A_failure_report_has_the_rfc_3464_structure_and_only_the_headers_by_default()
    {
        var now = DateTimeOffset.Parse("2026-11-27T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        using var report = DeliveryStatusReport.Build(new DsnMessage
        {
            MailFrom = "sender@remote.example",
            ReportingMta = "mail.test",
            EnvelopeId = "env-1",
            ArrivalDate = now,
        }, [new DsnRecipient { FinalRecipient = "user@example.com", OriginalRecipient = "rfc822;User@example.com", Status = "5.2.2", Diagnostic = "smtp; 552 5.2.2 Mailbox full" }],
            Original(), now);

        using var roundTrip = new MemoryStream();
        await report.WriteToAsync(roundTrip);
        roundTrip.Position = 0;
        using var parsed = await MimeMessage.LoadAsync(roundTrip);
        Assert.Equal("auto-replied", parsed.Headers["Auto-Submitted"]);
        Assert.Equal("MAILER-DAEMON@mail.test", parsed.From.Mailboxes.Single().Address);
        Assert.Equal("<orig@remote.example>", "<" + parsed.InReplyTo + ">");
        var body = Assert.IsType<MultipartReport>(parsed.Body);
        Assert.Equal("delivery-status", body.ReportType);
        Assert.Equal(3, body.Count);
        Assert.IsType<TextPart>(body[0]);
        var status = Assert.IsType<MessageDeliveryStatus>(body[1]);
        Assert.Equal("dns; mail.test", status.StatusGroups[0]["Reporting-MTA"]);
        Assert.Equal("env-1", status.StatusGroups[0]["Original-Envelope-Id"]);
        var group = status.StatusGroups[1];
        Assert.Equal("rfc822; user@example.com", group["Final-Recipient"]);
        Assert.Equal("rfc822;User@example.com", group["Original-Recipient"]);
        Assert.Equal(("failed", "5.2.2"), (group["Action"], group["Status"]));
        Assert.Equal("smtp; 552 5.2.2 Mailbox full", group["Diagnostic-Code"]);
        var headers = Assert.IsType<TextRfc822Headers>(body[2]);
        Assert.Equal("the original", headers.Message!.Subject);
        Assert.DoesNotContain("secret body", headers.Message.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ret_full_returns_the_whole_message()
    {
        using var report = DeliveryStatusReport.Build(new DsnMessage { MailFrom = "s@x.example", ReportingMta = "mail.test", ReturnFull = true },
            [new DsnRecipient { FinalRecipient = "u@example.com", Status = "4.4.7", Action = DsnAction.Delayed }], Original(), DateTimeOffset.UtcNow);
        var body = Assert.IsType<MultipartReport>(report.Body);
        Assert.Equal("the original", Assert.IsType<MessagePart>(body[2]).Message!.Subject);
        Assert.Equal("Delayed Mail (still being retried)", report.Subject);
    }
}

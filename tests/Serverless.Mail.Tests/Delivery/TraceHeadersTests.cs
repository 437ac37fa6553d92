using System.Net;
using System.Text;
using Serverless.Mail.Delivery;
using Serverless.Mail.Queues;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

public sealed class TraceHeadersTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(1));

    private static MessageEnvelope Envelope(params string[] recipients) => new()
    {
        ReceivedBy = "mx.test",
        ClientAddress = IPAddress.Parse("2001:db8::1"),
        Helo = "bad name;(x)",
        Sender = new EnvelopeSender("a@remote.example"),
        Recipients = recipients.Select(r => new EnvelopeRecipient(r, null, null, null)).ToList(),
    };

    [Fact]
    public void An_mx_message_gets_return_path_and_a_received_field_naming_helo_literal_id_and_its_one_recipient()
    {
        var text = Encoding.UTF8.GetString(TraceHeaders.Build(Envelope("u@example.com"), "abc", At));
        Assert.Equal(
            "Return-Path: <a@remote.example>\r\n" +
            "Received: from bad_name__x_ ([IPv6:2001:db8::1])\r\n" +
            "\tby mx.test (Serverless Mail) with SMTP\r\n" +
            "\tid abc\r\n" +
            "\tfor <u@example.com>;\r\n" +
            "\tTue, 04 Mar 2025 05:06:07 +0100\r\n", text);
    }

    [Fact]
    public void A_submission_has_no_return_path_and_several_recipients_no_for_clause()
    {
        var envelope = Envelope("u@example.com", "v@example.com") with { Submission = true, ClientAddress = null, Helo = null };
        var text = Encoding.UTF8.GetString(TraceHeaders.Build(envelope, "abc", At));
        Assert.StartsWith("Received: from unknown ([unknown])\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("for <", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, false, false, "SMTP")]
    [InlineData(true, false, false, false, "ESMTP")]
    [InlineData(true, true, false, false, "ESMTPS")]
    [InlineData(true, true, true, false, "ESMTPSA")]
    [InlineData(true, true, true, true, "UTF8SMTPSA")]
    [InlineData(true, false, false, true, "UTF8SMTP")]
    public void The_protocol_names_follow_rfc_3848_and_rfc_6531(bool extended, bool tls, bool auth, bool utf8, string expected)
    {
        var envelope = Envelope("u@example.com") with
        {
            Extended = extended,
            Tls = tls ? new ClientTls(null, null) : null,
            User = auth ? new SubmittingUser("u@example.com", "acme") : null,
            Sender = new EnvelopeSender("a@remote.example", SmtpUtf8: utf8),
        };
        Assert.Equal(expected, TraceHeaders.Protocol(envelope));
    }
}

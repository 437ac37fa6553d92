using System.Text;
using MimeKit;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Xunit;

namespace Serverless.Mail.Tests;

public sealed class MessageSummaryTests
{
    private const string Nested =
        "From: \"Alice Example\" <alice@example.com>\r\n" +
        "To: Team: bob@example.com, carol@example.com;, dave@example.com\r\n" +
        "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
        "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n" +
        "Message-ID: <m1@example.com>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "preamble\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=inner\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "\r\n" +
        "Hello =C3=BC\r\n" +
        "second line\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<p>Hello</p>\r\n" +
        "--inner--\r\n" +
        "--outer\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "Content-Disposition: attachment; filename=\"fwd.eml\"\r\n" +
        "\r\n" +
        "From: inner@example.com\r\n" +
        "Subject: inner\r\n" +
        "\r\n" +
        "inner body\r\n" +
        "--outer\r\n" +
        "Content-Type: application/octet-stream; name=\"a.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=\"a.bin\"\r\n" +
        "Content-Language: en, de\r\n" +
        "Content-Location: http://example.com/a.bin\r\n" +
        "\r\n" +
        "AAECAw==\r\n" +
        "--outer--\r\n";

    [Fact]
    public async Task Offsets_slice_each_part_exactly_and_the_envelope_keeps_raw_values()
    {
        var raw = Encoding.UTF8.GetBytes(Nested);
        var (summary, message) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(raw));

        Assert.Equal(Nested.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4, summary.HeaderLength);
        Assert.Equal("=?utf-8?q?Gr=C3=BC=C3=9Fe?=", summary.Envelope.Subject);
        Assert.Equal("<m1@example.com>", summary.Envelope.MessageId);
        Assert.Equal(new AddressSummary("Alice Example", "alice", "example.com"), Assert.Single(summary.Envelope.From!));
        Assert.Equal(summary.Envelope.From, summary.Envelope.Sender);
        Assert.Equal(
            [new AddressSummary(null, "Team", null), new("", "bob", "example.com") { Name = null }, new(null, "carol", "example.com"), new(null, null, null), new(null, "dave", "example.com")],
            summary.Envelope.To!);

        var body = summary.Body;
        Assert.Equal(("multipart", "mixed"), (body.Type, body.Subtype));
        Assert.Equal(3, body.Parts!.Count);
        var plain = body.Parts[0].Parts![0];
        Assert.Equal("Hello =C3=BC\r\nsecond line", Slice(raw, plain.BodyOffset, plain.EndOffset));
        Assert.Equal("quoted-printable", plain.Encoding, ignoreCase: true);
        Assert.Equal(2, plain.Lines);
        var html = body.Parts[0].Parts![1];
        Assert.Equal("<p>Hello</p>", Slice(raw, html.BodyOffset, html.EndOffset));
        var forwarded = body.Parts[1];
        Assert.Equal(("message", "rfc822"), (forwarded.Type, forwarded.Subtype));
        Assert.Equal("inner", forwarded.MessageEnvelope!.Subject);
        Assert.Equal("From: inner@example.com\r\nSubject: inner\r\n\r\ninner body", Slice(raw, forwarded.BodyOffset, forwarded.EndOffset));
        var attachment = body.Parts[2];
        Assert.Equal("AAECAw==", Slice(raw, attachment.BodyOffset, attachment.EndOffset));
        Assert.Equal("attachment", attachment.Disposition);
        Assert.Equal(["en", "de"], attachment.Language!);
        Assert.Equal("http://example.com/a.bin", attachment.Location);
        Assert.Contains(attachment.Parameters!, p => p.Key == "name" && p.Value == "a.bin");
        Assert.Equal(Nested.IndexOf("Content-Type: application/octet-stream", StringComparison.Ordinal), attachment.HeaderOffset);
        Assert.NotNull(message.Body);
    }

    private static string Slice(byte[] raw, long from, long to) => Encoding.UTF8.GetString(raw, (int)from, (int)(to - from));
}

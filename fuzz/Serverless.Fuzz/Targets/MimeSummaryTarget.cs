using System.Buffers;
using System.Text.Json;
using Serverless.Mail.Delivery;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Mail.Queues;
using Serverless.Protocols.Imap;

namespace Serverless.Fuzz.Targets;

/// <summary>
/// The MIME indexing path: <see cref="MessageSummaryBuilder"/> (MimeKit) on arbitrary bytes, the
/// summary serialised as the hand-off and the index store it, its offsets shifted as the listener
/// does, and the IMAP ENVELOPE/BODYSTRUCTURE written from it. Any exception here would turn an
/// accepted message into a poison hand-off, or break FETCH for it.
/// </summary>
public sealed class MimeSummaryTarget : FuzzTarget
{
    private static readonly JsonSerializerOptions IndexJson = new(JsonSerializerDefaults.Web);

    public override string Name => "mime-summary";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("From: \"A\" <a@b.example>\r\nTo: c@d.example, Group: e@f.example;\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <1@x>\r\nMIME-Version: 1.0\r\n" +
          "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhi=20there\r\n" +
          "--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b2--\r\n" +
          "--b1\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Disposition: attachment; filename*=utf-8''%C3%A9.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b1--\r\nepilogue\r\n"),
        B("Subject: plain\r\n\r\nbody\r\n"),
        B("Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: in digest\r\n\r\nx\r\n--d--\r\n"),
    ];

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        B("Content-Type: multipart/mixed; boundary=b\r\n\r\n"), B("--b\r\n"), B("--b--\r\n"), B("Content-Type: message/rfc822\r\n\r\n"), B("\r\n\r\n"),
        B("=?utf-8?b?"), B("?="), B("Content-Transfer-Encoding: base64\r\n"), B("boundary="), B("charset="), B("From: "), B("To: "), B(":;"), B("<"), B(">"),
        B("\""), B("("), B(")"), B("\r\n "), B("*0*="), B("Message-ID: "),
    ];

    public override void Run(ReadOnlySpan<byte> input)
    {
        using var stream = new MemoryStream(input.ToArray(), writable: false);
        var (summary, message) = MessageSummaryBuilder.BuildAsync(stream).GetAwaiter().GetResult();
        using (message)
        {
            CheckOffsets(summary.Body, input.Length);
            Check(summary.HeaderLength >= 0 && summary.HeaderLength <= input.Length, "the header length lies within the message");
            // As stored: in the hand-off (queue JSON) and in the index row.
            _ = MailQueues.JsonSize(new InboundHandoff { Id = "x", BlobName = "b", Size = input.Length, MailFrom = "", Recipients = [], ReceivedAt = default, Summary = summary });
            var stored = JsonSerializer.Deserialize<MessageSummary>(JsonSerializer.Serialize(summary, IndexJson), IndexJson);
            Check(stored is not null, "a stored summary reads back");
            // As the listener puts trace headers in front of it.
            var shifted = MessageSummaryOffsets.Shift(summary, 100);
            Check(shifted.Body.BodyOffset == summary.Body.BodyOffset + 100 && shifted.Body.EndOffset == summary.Body.EndOffset + 100, "shifting moves offsets");
            // As IMAP FETCH writes it.
            var writer = new ArrayBufferWriter<byte>();
            ImapStructureWriter.Envelope(writer, summary.Envelope);
            ImapStructureWriter.Body(writer, summary.Body, extensible: true);
            Check(writer.WrittenCount > 0, "BODYSTRUCTURE is written");
        }
    }

    private static void CheckOffsets(MimePartSummary part, int length)
    {
        Check(part.HeaderOffset >= 0 && part.HeaderOffset <= part.BodyOffset && part.BodyOffset <= part.EndOffset && part.EndOffset <= length,
            $"part offsets are ordered and inside the message ({part.HeaderOffset}, {part.BodyOffset}, {part.EndOffset}, length {length})");
        foreach (var child in part.Parts ?? [])
        {
            CheckOffsets(child, length);
        }
        if (part.MessageBody is { } inner)
        {
            CheckOffsets(inner, length);
        }
    }
}

using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Protocols.Imap;

namespace Serverless.Bench.Micro;

/// <summary>
/// BODYSTRUCTURE: the MIME tree with offsets is built once per message when it is filed
/// (<see cref="MessageSummaryBuilder"/>, a MimeKit parse), then every FETCH BODYSTRUCTURE
/// writes it from the stored summary (<see cref="ImapStructureWriter"/>). Both halves on a
/// multipart/mixed message with text, HTML, a 40 KiB attachment and a forwarded message.
/// </summary>
[MemoryDiagnoser]
public class BodyStructureBenchmarks
{
    private byte[] _raw = [];
    private MessageSummary _summary = null!;
    private readonly ArrayBufferWriter<byte> _out = new(4096);

    [GlobalSetup]
    public async Task Setup()
    {
        var attachment = Convert.ToBase64String(new byte[40 * 1024], Base64FormattingOptions.InsertLineBreaks);
        var raw = "From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\nSubject: Report\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n" +
            "Message-ID: <r1@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
            "--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
            "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Bob,\r\nthe report is attached.\r\n" +
            "--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Hello Bob,</p><p>the report is attached.</p>\r\n" +
            "--alt--\r\n" +
            "--outer\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            attachment + "\r\n" +
            "--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: Carol <carol@example.test>\r\nSubject: earlier\r\n\r\nEarlier message.\r\n" +
            "--outer--\r\n";
        _raw = Encoding.ASCII.GetBytes(raw);
        _summary = (await MessageSummaryBuilder.BuildAsync(new MemoryStream(_raw))).Summary;
    }

    [Benchmark(Description = "summary (MIME tree + offsets) when filed")]
    public async Task<MessageSummary> BuildSummary()
    {
        var (summary, message) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(_raw));
        message.Dispose();
        return summary;
    }

    [Benchmark(Description = "BODYSTRUCTURE written from the summary")]
    public int WriteBodyStructure()
    {
        _out.ResetWrittenCount();
        ImapStructureWriter.Body(_out, _summary.Body, extensible: true);
        return _out.WrittenCount;
    }
}

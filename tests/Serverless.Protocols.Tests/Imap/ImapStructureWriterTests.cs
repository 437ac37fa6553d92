using System.Buffers;
using System.Text;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Protocols.Tests.Imap;

public sealed class ImapStructureWriterTests
{
    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static async Task<MessageSummary> Summarise(string raw) =>
        (await MessageSummaryBuilder.BuildAsync(new MemoryStream(Encoding.UTF8.GetBytes(raw)))).Summary;

    [Fact]
    public async Task A_plain_text_message_as_in_rfc3501()
    {
        var summary = await Summarise("From: Fred <fred@example.com>\r\nSubject: Hi\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline one\r\nline two\r\n");
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 20 2 NIL NIL NIL NIL)",
            Write(w => ImapStructureWriter.Body(w, summary.Body, extensible: true)));
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 20 2)",
            Write(w => ImapStructureWriter.Body(w, summary.Body, extensible: false)));
    }

    [Fact]
    public async Task A_text_part_without_charset_says_us_ascii()
    {
        var summary = await Summarise("Subject: x\r\n\r\nbody\r\n");
        Assert.StartsWith("(\"text\" \"plain\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 6 1", Write(w => ImapStructureWriter.Body(w, summary.Body, true)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Multipart_with_extension_data_and_an_encapsulated_message()
    {
        var summary = await Summarise(
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain\r\nContent-Language: en, de\r\nContent-Location: http://x/y\r\n\r\nhi\r\n" +
            "--b1\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=a.pdf\r\nContent-ID: <c1@x>\r\nContent-Description: A file\r\n\r\nAAAA\r\n" +
            "--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: i@x.y\r\n\r\ninner body\r\n" +
            "--b1--\r\n");
        var text = Write(w => ImapStructureWriter.Body(w, summary.Body, extensible: true));
        Assert.Equal(
            "((\"text\" \"plain\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 2 1 NIL NIL (\"en\" \"de\") \"http://x/y\")" +
            "(\"application\" \"pdf\" (\"name\" \"a.pdf\") \"<c1@x>\" \"A file\" \"base64\" 4 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL)" +
            "(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 41 (NIL \"inner\" ((NIL NIL \"i\" \"x.y\")) ((NIL NIL \"i\" \"x.y\")) ((NIL NIL \"i\" \"x.y\")) NIL NIL NIL NIL NIL)" +
            " (\"text\" \"plain\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)" +
            " \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)", text);
    }

    [Fact]
    public async Task Envelope_quotes_what_it_can_and_uses_literals_for_the_rest()
    {
        var summary = await Summarise("Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nSubject: say \"hi\" \\ now\r\nFrom: \"Jörg\" <j@x.de>\r\nTo: a@b.c, Group: m@n.o;\r\nMessage-ID: <m@x>\r\n\r\n.\r\n");
        var text = Write(w => ImapStructureWriter.Envelope(w, summary.Envelope));
        Assert.Equal("(\"Fri, 27 Nov 2026 10:00:00 +0000\" \"say \\\"hi\\\" \\\\ now\" ((\"Jörg\" NIL \"j\" \"x.de\")) ".Replace("(\"Jörg\"", "({5}\r\nJörg", StringComparison.Ordinal) +
            "(({5}\r\nJörg NIL \"j\" \"x.de\")) (({5}\r\nJörg NIL \"j\" \"x.de\")) ((NIL NIL \"a\" \"b.c\")(NIL NIL \"Group\" NIL)(NIL NIL \"m\" \"n.o\")(NIL NIL NIL NIL)) NIL NIL NIL \"<m@x>\")", text);
    }

    [Fact]
    public void Strings_are_atoms_quoted_or_literal_as_needed()
    {
        Assert.Equal("abc", Write(w => ImapWire.AString(w, "abc")));
        Assert.Equal("\"NIL\"", Write(w => ImapWire.AString(w, "NIL")));
        Assert.Equal("\"a b\"", Write(w => ImapWire.AString(w, "a b")));
        Assert.Equal("{3}\r\na\nb", Write(w => ImapWire.String(w, "a\nb")));
        Assert.Equal("NIL", Write(w => ImapWire.NString(w, null)));
        Assert.Equal("\"Entw&APw-rfe\"", Write(w => ImapWire.Mailbox(w, "Entwürfe")));
    }
}

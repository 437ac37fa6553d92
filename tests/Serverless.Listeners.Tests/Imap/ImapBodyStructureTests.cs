using System.Text;
using MailKit;
using MimeKit;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>BODYSTRUCTURE and BODY[section] of a nested message, checked against MimeKit's reading of the same bytes.</summary>
public sealed class ImapBodyStructureTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private const string Raw =
        "From: \"Alice\" <alice@example.com>\r\n" +
        "To: bob@example.org\r\n" +
        "Subject: Nested\r\n" +
        "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n" +
        "Message-ID: <nested@example.com>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "This is a preamble.\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=inner\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/plain; charset=utf-8; format=flowed\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "Content-Language: en\r\n" +
        "\r\n" +
        "Gr=C3=BC=C3=9Fe, line one\r\n" +
        "line two\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "Content-ID: <html1@example.com>\r\n" +
        "Content-Description: HTML version\r\n" +
        "\r\n" +
        "<p>Hello</p>\r\n" +
        "--inner--\r\n" +
        "--outer\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "Content-Disposition: attachment; filename=\"forwarded.eml\"\r\n" +
        "\r\n" +
        "From: carol@example.net\r\n" +
        "Subject: Inner\r\n" +
        "Content-Type: multipart/mixed; boundary=deep\r\n" +
        "\r\n" +
        "--deep\r\n" +
        "Content-Type: text/plain\r\n" +
        "\r\n" +
        "deep text\r\n" +
        "--deep\r\n" +
        "Content-Type: application/octet-stream; name=\"data.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=data.bin; size=4\r\n" +
        "\r\n" +
        "AAECAw==\r\n" +
        "--deep--\r\n" +
        "--outer\r\n" +
        "Content-Type: image/png; name=\"dot.png\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: inline; filename=\"dot.png\"\r\n" +
        "Content-Language: de, fr\r\n" +
        "Content-Location: https://example.com/dot.png\r\n" +
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n" +
        "\r\n" +
        "iVBORw0KGgo=\r\n" +
        "--outer--\r\n" +
        "epilogue\r\n";

    [Fact]
    public async Task Bodystructure_and_every_section_match_mimekit()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, Raw);
        var mime = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Raw)));

        using var client = await host.ConnectAsync(mailbox);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summary = (await client.Inbox.FetchAsync(0, 0, MessageSummaryItems.BodyStructure | MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope))[0];
        var root = Assert.IsType<BodyPartMultipart>(summary.Body);
        Assert.Equal("multipart/mixed", root.ContentType.MimeType);
        Assert.Equal("outer", root.ContentType.Boundary);

        // Walk both trees together: every IMAP part must describe the MimeKit entity at the same place.
        var pairs = new List<(BodyPart Imap, MimeEntity Mime, bool MessageBody)>();
        Pair(root, mime.Body!, pairs);
        Assert.Equal(9, pairs.Count);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("EXAMINE INBOX");
        foreach (var (imapPart, entity, messageBody) in pairs)
        {
            Assert.Equal(entity.ContentType.MimeType, imapPart.ContentType.MimeType, ignoreCase: true);
            foreach (var p in entity.ContentType.Parameters)
            {
                Assert.Equal(p.Value, imapPart.ContentType.Parameters[p.Name]);
            }
            var (disposition, language, location) = Extensions(imapPart);
            Assert.Equal(entity.ContentDisposition?.Disposition, disposition?.Disposition);
            Assert.Equal(entity.ContentDisposition?.FileName, disposition?.FileName);
            Assert.Equal(entity.Headers[HeaderId.ContentLocation], location?.ToString());
            var languages = entity.Headers[HeaderId.ContentLanguage]?.Split(',', StringSplitOptions.TrimEntries);
            Assert.Equal(languages, language);
            if (imapPart.PartSpecifier.Length == 0 || (messageBody && imapPart is BodyPartMultipart))
            {
                continue; // the whole message, or a message/rfc822 body whose number is its message part's
            }
            // BODY[n.MIME] is the part's header exactly as MimeKit read it, blank line included.
            Assert.Equal(HeaderBytes(entity), await SectionAsync(raw, imapPart.PartSpecifier + ".MIME"));
            if (imapPart is BodyPartBasic basic)
            {
                var body = EncodedBody(entity);
                Assert.Equal((uint)body.Length, basic.Octets);
                Assert.Equal(body, await SectionAsync(raw, imapPart.PartSpecifier));
                Assert.Equal(entity.ContentId, basic.ContentId?.Trim('<', '>'));
                Assert.Equal(entity.Headers[HeaderId.ContentDescription], basic.ContentDescription);
                if (basic is BodyPartText text)
                {
                    Assert.Equal(Lines(body), text.Lines);
                }
                if (entity is MimePart leaf)
                {
                    Assert.Equal(leaf.Headers[HeaderId.ContentTransferEncoding] ?? "7BIT", basic.ContentTransferEncoding, ignoreCase: true);
                    Assert.Equal(leaf.ContentMd5, basic.ContentMd5);
                    var decoded = await client.Inbox.GetBodyPartAsync(summary.UniqueId, basic);
                    Assert.Equal(Decoded(leaf), Decoded((MimePart)decoded));
                }
            }
            if (imapPart is BodyPartMessage message && entity is MessagePart rfc822)
            {
                Assert.Equal(rfc822.Message!.Subject, message.Envelope!.Subject);
                Assert.Equal(Lines(EncodedBody(entity)), message.Lines);
                // The encapsulated message's header (MimeKit keeps its Content-* fields on the body entity, so split the written message).
                var inner = EncodedBody(entity);
                var innerHeader = HeaderOf(inner);
                Assert.Equal(innerHeader, await SectionAsync(raw, imapPart.PartSpecifier + ".HEADER"));
                Assert.Equal(Encoding.UTF8.GetBytes("Subject: Inner\r\n\r\n"), await SectionAsync(raw, imapPart.PartSpecifier + ".HEADER.FIELDS (SUBJECT)"));
                Assert.Equal(inner[innerHeader.Length..], await SectionAsync(raw, imapPart.PartSpecifier + ".TEXT"));
            }
        }
        var all = WholeMessage(mime);
        Assert.Equal(Encoding.UTF8.GetBytes(Raw), all); // MimeKit writes back exactly what it read
        Assert.Equal(all, await SectionAsync(raw, ""));
        Assert.Equal(HeaderOf(all), await SectionAsync(raw, "HEADER"));
        Assert.Equal(all[HeaderOf(all).Length..], await SectionAsync(raw, "TEXT"));
        Assert.Equal(all[10..30], await SectionAsync(raw, "", "<10.20>"));
    }

    [Fact]
    public async Task A_single_part_message_has_part_one_and_body_matches_bodystructure_without_extensions()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, "Subject: single\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nonly\r\nbody\r\n");
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("EXAMINE INBOX");
        var reply = await raw.CommandAsync("FETCH 1 (BODY BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[1.MIME])");
        Assert.Equal("* 1 FETCH (BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 12 2) " +
            "BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 12 2 NIL NIL NIL NIL) " +
            "BODY[1] {12}\r\nonly\r\nbody\r\n BODY[1.MIME] {63}\r\nSubject: single\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n)", reply[0]);
    }

    private static (ContentDisposition? Disposition, string[]? Language, Uri? Location) Extensions(BodyPart part) => part switch
    {
        BodyPartBasic b => (b.ContentDisposition, b.ContentLanguage, b.ContentLocation),
        BodyPartMultipart m => (m.ContentDisposition, m.ContentLanguage, m.ContentLocation),
        _ => (null, null, null),
    };

    private static void Pair(BodyPart imap, MimeEntity mime, List<(BodyPart, MimeEntity, bool)> pairs, bool messageBody = false)
    {
        pairs.Add((imap, mime, messageBody));
        switch (imap)
        {
            case BodyPartMultipart multipart:
                var children = ((Multipart)mime).ToList();
                Assert.Equal(children.Count, multipart.BodyParts.Count);
                for (var i = 0; i < children.Count; i++)
                {
                    Pair(multipart.BodyParts[i], children[i], pairs);
                }
                break;
            case BodyPartMessage message:
                Pair(message.Body!, ((MessagePart)mime).Message!.Body!, pairs, messageBody: true);
                break;
        }
    }

    private static async Task<byte[]> SectionAsync(RawImap raw, string section, string partial = "")
    {
        var reply = await raw.CommandAsync($"FETCH 1 BODY.PEEK[{section}]{partial}");
        var line = reply[0];
        var open = line.IndexOf("}\r\n", StringComparison.Ordinal);
        var size = int.Parse(line[(line.LastIndexOf('{', open) + 1)..open], System.Globalization.CultureInfo.InvariantCulture);
        return Encoding.Latin1.GetBytes(line.Substring(open + 3, size));
    }

    private static byte[] HeaderBytes(MimeEntity entity) => HeaderBytes(entity.Headers);

    private static byte[] WholeMessage(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    private static byte[] HeaderOf(byte[] message)
    {
        var end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return message[..(end + 4)];
    }

    private static byte[] HeaderBytes(HeaderList headers)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        headers.WriteTo(options, stream); // MimeKit writes the blank line that ends a header too
        return stream.ToArray();
    }

    /// <summary>The part's body as transmitted (still transfer-encoded), as MimeKit writes it out.</summary>
    private static byte[] EncodedBody(MimeEntity entity)
    {
        using var whole = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        entity.WriteTo(options, whole, contentOnly: true);
        var bytes = whole.ToArray();
        // MimeKit ends a multipart with its epilogue's line break, which belongs to the boundary in IMAP.
        return entity is Multipart && bytes.AsSpan().EndsWith("\r\n"u8) ? bytes[..^2] : bytes;
    }

    private static long Lines(byte[] body)
    {
        var lines = body.Count(b => b == '\n');
        return body.Length > 0 && body[^1] != '\n' ? lines + 1 : lines;
    }

    private static byte[] Decoded(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return stream.ToArray();
    }
}

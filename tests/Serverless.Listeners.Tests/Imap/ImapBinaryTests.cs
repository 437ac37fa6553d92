using System.Text;
using MailKit;
using MimeKit;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// RFC 3516 BINARY (FETCH BINARY / BINARY.PEEK / BINARY.SIZE, APPEND with literal8) and RFC 8514
/// SAVEDATE (FETCH SAVEDATE, SEARCH SAVEDBEFORE / SAVEDON / SAVEDSINCE / SAVEDATESUPPORTED)
/// against a real listener.
/// </summary>
public sealed class ImapBinaryTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private static readonly byte[] Payload = [0, 1, 2, (byte)'\r', (byte)'A', (byte)'\n', 0xFF, 0xE4, 0];

    private static string Multipart(string base64Part) =>
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
        "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Part + "\r\n" +
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nsoft=\r\n break =3D done \t\r\nend\r\n" +
        "--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-unheard-of\r\n\r\nwhatever\r\n" +
        "--b1\r\nContent-Type: text/plain\r\n\r\nplain seven bit\r\n" +
        "--b1--\r\n";

    [Fact]
    public async Task Binary_fetch_decodes_base64_and_quoted_printable_and_refuses_an_unknown_encoding()
    {
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, Multipart(Convert.ToBase64String(Payload, Base64FormattingOptions.InsertLineBreaks)));
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains(" BINARY ", (await raw.CommandAsync("CAPABILITY"))[0] + " ", StringComparison.Ordinal);
        await raw.CommandAsync("SELECT INBOX");

        // NUL in the content: literal8; a slice without NUL is an ordinary literal.
        var decoded = Encoding.Latin1.GetString(Payload);
        Assert.Equal($"* 1 FETCH (BINARY.SIZE[1] 9 BINARY[1] ~{{9}}\r\n{decoded})", (await raw.CommandAsync("FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])"))[0]);
        Assert.Equal($"* 1 FETCH (BINARY[1]<3> {{4}}\r\n{decoded[3..7]})", (await raw.CommandAsync("FETCH 1 BINARY.PEEK[1]<3.4>"))[0]);
        Assert.Equal("* 1 FETCH (BINARY[2] {22}\r\nsoft break = done\r\nend BINARY.SIZE[2] 22)", (await raw.CommandAsync("FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])"))[0]);
        Assert.Equal("* 1 FETCH (BINARY[4] {15}\r\nplain seven bit)", (await raw.CommandAsync("FETCH 1 BINARY.PEEK[4]"))[0]);
        Assert.Equal("* 1 FETCH (BINARY[9] NIL)", (await raw.CommandAsync("FETCH 1 BINARY.PEEK[9]"))[0]);
        var unknown = await raw.CommandAsync("FETCH 1 BINARY.PEEK[3]");
        Assert.StartsWith(raw.LastTag + " NO [UNKNOWN-CTE]", unknown[^1], StringComparison.Ordinal);
        var mime = await raw.CommandAsync("FETCH 1 BINARY.PEEK[1.MIME]");
        Assert.StartsWith(raw.LastTag + " BAD", mime[^1], StringComparison.Ordinal);

        // BINARY without .PEEK sets \Seen, as BODY[] does.
        Assert.Contains(" FLAGS (\\Seen \\Recent))", (await raw.CommandAsync("FETCH 1 BINARY[2]"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_part_is_decoded_as_a_stream()
    {
        var mailbox = await host.CreateMailboxAsync();
        var content = new byte[600 * 1024]; // the message is far past the cache's whole-message size
        new Random(7).NextBytes(content);
        await host.DeliverAsync(mailbox, Multipart(Convert.ToBase64String(content, Base64FormattingOptions.InsertLineBreaks)));
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        Assert.Equal($"* 1 FETCH (BINARY.SIZE[1] {content.Length})", (await raw.CommandAsync("FETCH 1 BINARY.SIZE[1]"))[0]);
        var slice = (await raw.CommandAsync("FETCH 1 BINARY.PEEK[1]<500000.64>"))[0];
        Assert.Equal($"* 1 FETCH (BINARY[1]<500000> ~{{64}}\r\n{Encoding.Latin1.GetString(content, 500000, 64)})", slice);
        var whole = (await raw.CommandAsync("FETCH 1 BINARY.PEEK[1]"))[0];
        var start = whole.IndexOf("}\r\n", StringComparison.Ordinal) + 3;
        Assert.Equal(content, Encoding.Latin1.GetBytes(whole[start..^1]));
    }

    [Fact]
    public async Task Append_with_literal8_stores_a_binary_part_as_base64_and_binary_fetch_gives_it_back()
    {
        var mailbox = await host.CreateMailboxAsync();
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        var message = Encoding.Latin1.GetBytes("From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n")
            .Concat(Payload).Concat("\r\n"u8.ToArray()).ToArray();
        await raw.WriteAsync($"A100 APPEND INBOX ~{{{message.Length}}}\r\n");
        Assert.StartsWith("+", await raw.ReadLineAsync(), StringComparison.Ordinal);
        await raw.WriteAsync(message);
        await raw.WriteAsync("\r\n");
        Assert.StartsWith("A100 OK [APPENDUID", (await raw.ReadUntilTaggedAsync("A100"))[^1], StringComparison.Ordinal);
        await raw.CommandAsync("SELECT INBOX");

        var body = (await raw.CommandAsync("FETCH 1 BODY.PEEK[1]"))[0];
        Assert.DoesNotContain('\0', body);
        var binary = (await raw.CommandAsync("FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])"))[0];
        Assert.Equal($"* 1 FETCH (BINARY.SIZE[1] 11 BINARY[1] ~{{11}}\r\n{Encoding.Latin1.GetString(Payload)}\r\n)", binary);
    }

    [Fact]
    public async Task Nul_in_mail_from_smtp_goes_out_as_0x80_in_ordinary_literals_and_as_itself_in_binary()
    {
        // SMTP DATA may carry NUL (Postfix and this MX both accept it); an IMAP literal may not
        // (CHAR8, RFC 3501 9). Before, BODY[] sent the NUL as it was stored.
        var mailbox = await host.CreateMailboxAsync();
        await host.DeliverAsync(mailbox, "From: a@example.org\r\nSubject: nul\r\n\r\na\0b\r\n");
        var large = "From: a@example.org\r\nSubject: large nul\r\n\r\n" + new string('x', 600 * 1024) + "\0end\r\n"; // streamed, not cached
        await host.DeliverAsync(mailbox, large);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");

        Assert.Equal("* 1 FETCH (BODY[TEXT] {5}\r\na\u0080b\r\n RFC822.SIZE 42)", (await raw.CommandAsync("FETCH 1 (BODY.PEEK[TEXT] RFC822.SIZE)"))[0]);
        Assert.EndsWith("\r\n\r\na\u0080b\r\n)", (await raw.CommandAsync("FETCH 1 BODY.PEEK[]"))[0], StringComparison.Ordinal);
        Assert.Contains("\r\n\r\na\u0080b\r\n", (await raw.CommandAsync("FETCH 1 RFC822"))[0], StringComparison.Ordinal);
        Assert.Equal("* 1 FETCH (BINARY[] ~{42}\r\nFrom: a@example.org\r\nSubject: nul\r\n\r\na\0b\r\n)", (await raw.CommandAsync("FETCH 1 BINARY.PEEK[]"))[0]);

        var body = (await raw.CommandAsync("FETCH 2 BODY.PEEK[]"))[0];
        Assert.StartsWith($"* 2 FETCH (BODY[] {{{large.Length}}}\r\n", body, StringComparison.Ordinal);
        Assert.EndsWith("xx\u0080end\r\n)", body, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', body);
    }

    [Fact]
    public async Task MailKit_appends_and_reads_a_binary_part()
    {
        var mailbox = await host.CreateMailboxAsync();
        using var client = await host.ConnectAsync(mailbox);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.Binary));
        var part = new MimePart("application", "octet-stream") { Content = new MimeContent(new MemoryStream(Payload)), ContentTransferEncoding = ContentEncoding.Binary };
        var body = new Multipart("mixed") { new TextPart("plain") { Text = "see attached" }, part };
        var message = new MimeMessage(new[] { MailboxAddress.Parse("a@example.org") }, new[] { MailboxAddress.Parse("b@example.org") }, "binary", body);
        var uid = await client.Inbox.AppendAsync(message);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summary = (await client.Inbox.FetchAsync([uid!.Value], MessageSummaryItems.BodyStructure))[0];
        var fetched = (MimePart)await client.Inbox.GetBodyPartAsync(uid.Value, summary.BodyParts.Single(p => p.ContentType.MediaType == "application"));
        Assert.NotNull(fetched.Content);
        using var decoded = new MemoryStream();
        await fetched.Content.DecodeToAsync(decoded);
        Assert.Equal(Payload, decoded.ToArray());
    }

    [Fact]
    public async Task Savedate_is_the_filing_time_and_search_finds_by_it()
    {
        var mailbox = await host.CreateMailboxAsync();
        var old = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        await host.DeliverAsync(mailbox, ImapTestHost.Message("old"), internalDate: old);
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        Assert.Contains(" SAVEDATE ", (await raw.CommandAsync("CAPABILITY"))[0] + " ", StringComparison.Ordinal);
        await raw.CommandAsync("SELECT INBOX");
        var fetched = (await raw.CommandAsync("FETCH 1 (INTERNALDATE SAVEDATE)"))[0];
        Assert.StartsWith("* 1 FETCH (INTERNALDATE \"03-Feb-2001 04:05:06 +0000\" SAVEDATE \"", fetched, StringComparison.Ordinal);
        var saved = DateTimeOffset.ParseExact(fetched.Split("SAVEDATE \"")[1][..26], "dd-MMM-yyyy HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(saved > DateTimeOffset.UtcNow.AddHours(-1), fetched);
        var day = saved.ToString("d-MMM-yyyy", System.Globalization.CultureInfo.InvariantCulture);
        var next = saved.AddDays(1).ToString("d-MMM-yyyy", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal("* SEARCH 1", (await raw.CommandAsync("SEARCH SAVEDON " + day))[0]);
        Assert.Equal("* SEARCH 1", (await raw.CommandAsync("SEARCH SAVEDBEFORE " + next))[0]);
        Assert.Equal("* SEARCH", (await raw.CommandAsync("SEARCH SAVEDSINCE " + next))[0]);
        Assert.Equal("* SEARCH", (await raw.CommandAsync("SEARCH ON 3-Feb-2026 SAVEDATESUPPORTED"))[0]);
        Assert.Equal("* SEARCH 1", (await raw.CommandAsync("SEARCH SAVEDATESUPPORTED"))[0]);

        // A copy is saved into its folder when copied.
        await raw.CommandAsync("COPY 1 Archive");
        await raw.CommandAsync("SELECT Archive");
        var copied = (await raw.CommandAsync("FETCH 1 SAVEDATE"))[0];
        var copiedAt = DateTimeOffset.ParseExact(copied.Split("SAVEDATE \"")[1][..26], "dd-MMM-yyyy HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(copiedAt >= saved, copied);
    }
}

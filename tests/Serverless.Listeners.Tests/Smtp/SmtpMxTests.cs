using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

public sealed class SmtpMxTests : IAsyncLifetime
{
    private SmtpTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await SmtpTestKit.StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private int Port => _kit.Host.Ports.Smtp;

    [Fact]
    public async Task MailKit_delivery_is_stored_byte_identical_and_handed_off_with_its_summary()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@remote.example"));
        message.To.Add(new MailboxAddress("User", "user@example.com"));
        message.Subject = "Hello from MailKit";
        message.Body = new TextPart("plain") { Text = "Line one\n.Line starting with a dot\nLast line" };
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        var response = await client.SendAsync(message);
        await client.DisconnectAsync(true);
        Assert.StartsWith("2.0.0 OK: queued as ", response, StringComparison.Ordinal);

        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal("mx", handoff.Via);
        Assert.Equal("sender@remote.example", handoff.MailFrom);
        Assert.False(handoff.Tls);
        Assert.Equal("127.0.0.1", handoff.ClientIp);
        var rcpt = Assert.Single(handoff.Recipients);
        Assert.Equal("user@example.com", rcpt.Address);
        Assert.Equal(_kit.User.MailboxId, Assert.Single(rcpt.Mailboxes!).MailboxId);
        Assert.NotNull(handoff.Summary);
        Assert.Equal("Hello from MailKit", handoff.Summary!.Envelope.Subject);

        var blob = await _kit.StoredAsync(handoff);
        Assert.Equal(handoff.Size, blob.Length);
        using var sent = new MemoryStream();
        var wireFormat = FormatOptions.Default.Clone();
        wireFormat.NewLineFormat = NewLineFormat.Dos; // what SmtpClient puts on the wire
        wireFormat.EnsureNewLine = true;
        await message.WriteToAsync(wireFormat, sent);
        var text = Encoding.UTF8.GetString(blob);
        Assert.StartsWith("Authentication-Results: mail.test;\r\n\tspf=none smtp.mailfrom=sender@remote.example;\r\n\tdkim=none;\r\n\tdmarc=none header.from=remote.example;\r\n\tarc=none\r\n"
            + "Return-Path: <sender@remote.example>\r\nReceived: from ", text, StringComparison.Ordinal);
        Assert.Equal("none", handoff.Spf);
        Assert.False(handoff.Junk);
        var prefix = blob.Length - sent.Length;
        Assert.Equal(sent.ToArray(), blob[(int)prefix..]);
        // The summary's offsets point into the stored blob, trace headers included.
        Assert.Equal("Hello from MailKit", Encoding.UTF8.GetString(blob, 0, (int)handoff.Summary.HeaderLength).Split("\r\n")
            .Single(l => l.StartsWith("Subject:", StringComparison.Ordinal))["Subject: ".Length..]);
        Assert.Equal(blob.Length, handoff.Summary.Body.EndOffset);
    }

    [Fact]
    public async Task Data_transcript_unstuffs_dots_and_keeps_8bit_bytes()
    {
        await using var wire = await SmtpWire.ConnectAsync(Port);
        Assert.Equal(250, (await wire.CommandAsync("EHLO client.test")).Code);
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<a@remote.example> BODY=8BITMIME")).Code);
        Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<user@example.com>")).Code);
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        var body = "Subject: Grüße\r\n\r\n..dot\r\n...\r\nÄÖÜ 8-bit\r\n";
        await wire.SendAsync(body + ".\r\n");
        var reply = await wire.ReadReplyAsync();
        Assert.Equal(250, reply.Code);
        Assert.Equal("2.0.0", reply.Enhanced);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal("8BITMIME", handoff.Body);
        var blob = await _kit.StoredAsync(handoff);
        var expected = Encoding.UTF8.GetBytes("Subject: Grüße\r\n\r\n.dot\r\n..\r\nÄÖÜ 8-bit\r\n");
        Assert.Equal(expected, blob[^expected.Length..]);
        Assert.Equal(221, (await wire.CommandAsync("QUIT")).Code);
    }

    [Fact]
    public async Task Postmaster_of_a_hosted_domain_is_accepted_and_a_bare_postmaster_is_refused_precisely_until_configured()
    {
        await using (var wire = await SmtpWire.ConnectAsync(Port))
        {
            Assert.Equal(250, (await wire.CommandAsync("EHLO client.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<reporter@remote.example>")).Code);
            Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<PostMaster@example.com>")).Code);
            // No postmaster address configured and the host name is no hosted domain: not a relay refusal.
            var bare = await wire.CommandAsync("RCPT TO:<Postmaster>");
            Assert.Equal((550, "5.1.1"), (bare.Code, bare.Enhanced));
            Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
            await wire.SendAsync("Subject: report\r\n\r\nhi\r\n.\r\n");
            Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        }
        var handoff = Assert.Single(await _kit.InboundAsync());
        // The domain has no postmaster of its own: its first mailbox in address order reads it.
        Assert.Equal(_kit.Other.MailboxId, Assert.Single(Assert.Single(handoff.Recipients).Mailboxes!).MailboxId);

        await using var configured = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Smtp:PostmasterAddress"] = "user@example.com" });
        await using (var wire = await SmtpWire.ConnectAsync(configured.Host.Ports.Smtp))
        {
            Assert.Equal(250, (await wire.CommandAsync("EHLO client.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<reporter@remote.example>")).Code);
            Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<Postmaster>")).Code);
        }

        // A single-label host name (./run.sh's localhost): postmaster@localhost is no address, yet
        // the client's <postmaster> is good syntax and gets the same 550, not "501 bad syntax".
        await using var local = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:HostName"] = "localhost" });
        await using (var wire = await SmtpWire.ConnectAsync(local.Host.Ports.Smtp))
        {
            Assert.Equal(250, (await wire.CommandAsync("EHLO client.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<reporter@remote.example>")).Code);
            var bare = await wire.CommandAsync("RCPT TO:<postmaster>");
            Assert.Equal((550, "5.1.1"), (bare.Code, bare.Enhanced));
        }
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order_in_one_flight()
    {
        await using var wire = await SmtpWire.ConnectAsync(Port);
        await wire.SendAsync("EHLO client.test\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<user@example.com>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<team@example.com>\r\nDATA\r\n");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        var unknown = await wire.ReadReplyAsync();
        Assert.Equal((550, "5.1.1"), (unknown.Code, unknown.Enhanced));
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        Assert.Equal(354, (await wire.ReadReplyAsync()).Code);
        await wire.SendAsync("Subject: pipelined\r\n\r\nhi\r\n.\r\nNOOP\r\nQUIT\r\n");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        Assert.Equal(221, (await wire.ReadReplyAsync()).Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal(["user@example.com", "team@example.com"], handoff.Recipients.Select(r => r.Address));
        var team = handoff.Recipients[1].Mailboxes!.Select(m => m.MailboxId).Order();
        Assert.Equal(new[] { _kit.User.MailboxId, _kit.Other.MailboxId }.Order(), team);
    }

    [Fact]
    public async Task Every_basic_command_answers_with_its_code_and_enhanced_status()
    {
        await using var wire = await SmtpWire.ConnectAsync(Port);
        Assert.Equal((503, "5.5.1"), Code(await wire.CommandAsync("MAIL FROM:<a@remote.example>")));
        var bareHelo = await wire.CommandAsync("HELO");
        Assert.Equal((501, "5.5.4"), Code(bareHelo));
        Assert.EndsWith("Syntax: HELO hostname", bareHelo.Lines[0], StringComparison.Ordinal); // not EHLO's text
        var helo = await wire.CommandAsync("HELO client.test");
        Assert.Equal(250, helo.Code);
        Assert.Single(helo.Lines);
        var ehlo = await wire.CommandAsync("EHLO client.test");
        Assert.Equal(250, ehlo.Code);
        foreach (var ext in new[] { "PIPELINING", "SIZE 36700160", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN", "STARTTLS" })
        {
            Assert.Contains(ehlo.Lines, l => l[4..] == ext);
        }
        Assert.DoesNotContain(ehlo.Lines, l => l[4..].StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Equal((250, "2.0.0"), Code(await wire.CommandAsync("NOOP")));
        Assert.Equal((250, "2.0.0"), Code(await wire.CommandAsync("NOOP with argument")));
        Assert.Equal((252, "2.5.0"), Code(await wire.CommandAsync("VRFY user@example.com")));
        Assert.Equal((502, "5.5.1"), Code(await wire.CommandAsync("EXPN team")));
        Assert.Equal((214, "2.0.0"), Code(await wire.CommandAsync("HELP")));
        Assert.Equal((500, "5.5.1"), Code(await wire.CommandAsync("XYZZY")));
        Assert.Equal((503, "5.5.1"), Code(await wire.CommandAsync("RCPT TO:<user@example.com>")));
        Assert.Equal((503, "5.5.1"), Code(await wire.CommandAsync("DATA")));
        Assert.Equal((502, "5.5.1"), Code(await wire.CommandAsync("AUTH PLAIN AHVzZXJAZXhhbXBsZS5jb20AeA==")));
        Assert.Equal((250, "2.1.0"), Code(await wire.CommandAsync("MAIL FROM:<a@remote.example>")));
        Assert.Equal((503, "5.5.1"), Code(await wire.CommandAsync("MAIL FROM:<a@remote.example>")));
        Assert.Equal((554, "5.5.1"), Code(await wire.CommandAsync("DATA")));
        Assert.Equal((250, "2.0.0"), Code(await wire.CommandAsync("RSET")));
        Assert.Equal((503, "5.5.1"), Code(await wire.CommandAsync("RCPT TO:<user@example.com>")));
        Assert.Equal((501, "5.5.4"), Code(await wire.CommandAsync("MAIL FROM:<a@remote.example> FOO=")));
        Assert.Equal((555, "5.5.4"), Code(await wire.CommandAsync("MAIL FROM:<a@remote.example> FOO=1")));
        Assert.Equal((221, "2.0.0"), Code(await wire.CommandAsync("QUIT")));
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task The_mx_refuses_unknown_users_and_never_relays()
    {
        await using var wire = await SmtpWire.ConnectAsync(Port);
        await wire.CommandAsync("EHLO client.test");
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        Assert.Equal((550, "5.1.1"), Code(await wire.CommandAsync("RCPT TO:<nobody@example.com>")));
        Assert.Equal((554, "5.7.1"), Code(await wire.CommandAsync("RCPT TO:<victim@elsewhere.example>")));
        Assert.Equal((554, "5.7.1"), Code(await wire.CommandAsync("RCPT TO:<x@[192.0.2.1]>")));
        Assert.Equal((501, "5.1.3"), Code(await wire.CommandAsync("RCPT TO:<no-domain>")));
        Assert.Equal((250, "2.1.5"), Code(await wire.CommandAsync("RCPT TO:<User@EXAMPLE.com>")));
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        var relay = new MimeMessage();
        relay.From.Add(MailboxAddress.Parse("spammer@remote.example"));
        relay.To.Add(MailboxAddress.Parse("victim@elsewhere.example"));
        relay.Body = new TextPart("plain") { Text = "spam" };
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(relay));
        Assert.Equal(SmtpStatusCode.TransactionFailed, e.StatusCode);
        Assert.Empty(await _kit.InboundAsync());
    }

    [Fact]
    public async Task Utf8_addresses_need_smtputf8_and_are_handed_off_as_utf8()
    {
        var directory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Serverless.Mail.Accounts.MailDirectory>(_kit.Host.Services);
        await directory.CreateMailboxAsync("acme", Serverless.Mail.Accounts.MailAddress.Parse("jörg@example.com"), SmtpTestKit.Password, null, 0);
        await using var wire = await SmtpWire.ConnectAsync(Port);
        await wire.CommandAsync("EHLO client.test");
        Assert.Equal((553, "5.6.7"), Code(await wire.CommandAsync("MAIL FROM:<δοκιμή@remote.example>")));
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<a@remote.example>")).Code);
        Assert.Equal((553, "5.6.7"), Code(await wire.CommandAsync("RCPT TO:<jörg@example.com>")));
        await wire.CommandAsync("RSET");
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<δοκιμή@remote.example> SMTPUTF8")).Code);
        Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<jörg@example.com>")).Code);
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        await wire.SendAsync("From: δοκιμή@remote.example\r\nSubject: utf8\r\n\r\nhi\r\n.\r\n");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.True(handoff.SmtpUtf8);
        Assert.Equal("δοκιμή@remote.example", handoff.MailFrom);
        Assert.Equal("jörg@example.com", Assert.Single(handoff.Recipients).Address);
        var blob = Encoding.UTF8.GetString(await _kit.StoredAsync(handoff));
        Assert.Contains("with UTF8SMTP", blob, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dsn_parameters_are_kept_in_the_hand_off()
    {
        await using var wire = await SmtpWire.ConnectAsync(Port);
        await wire.CommandAsync("EHLO client.test");
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<a@remote.example> RET=HDRS ENVID=env+2B1")).Code);
        Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<user@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;User@example.com")).Code);
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        await wire.SendAsync("Subject: dsn\r\n\r\nhi\r\n.\r\n");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal(("HDRS", "env+1"), (handoff.Ret, handoff.EnvelopeId));
        var rcpt = Assert.Single(handoff.Recipients);
        Assert.Equal(("FAILURE,DELAY", "rfc822;User@example.com"), (rcpt.Notify, rcpt.OriginalRecipient));
    }

    [Theory]
    [InlineData("Subject: a\r\n\r\nfirst\n.\nMAIL FROM:<evil@remote.example>\r\n")]
    [InlineData("Subject: a\r\n\r\nfirst\r.\rMAIL FROM:<evil@remote.example>\r\n")]
    [InlineData("Subject: a\r\n\r\nfirst\n.\r\nMAIL FROM:<evil@remote.example>\r\n")]
    [InlineData("Subject: a\r\n\r\nfirst\r\n.\rMAIL FROM:<evil@remote.example>\r\n")]
    public async Task Smuggling_probes_are_refused_and_nothing_is_queued(string probe)
    {
        await using var wire = await SmtpWire.ConnectAsync(Port);
        await wire.CommandAsync("EHLO client.test");
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        await wire.CommandAsync("RCPT TO:<user@example.com>");
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        await wire.SendAsync(probe + "RCPT TO:<user@example.com>\r\nDATA\r\nsmuggled\r\n.\r\n");
        var reply = await wire.ReadReplyAsync();
        Assert.Equal((521, "5.5.2"), (reply.Code, reply.Enhanced));
        Assert.True(await wire.IsClosedAsync());
        Assert.Empty(await _kit.InboundAsync());
        Assert.Equal(0, await _kit.BlobCountAsync());
    }

    [Fact]
    public async Task A_bdat_message_without_a_final_line_break_is_stored_with_one()
    {
        // Before, it was stored as sent: RFC822.SIZE and POP3 LIST said 10 octets of header, RETR
        // sent 12 (the line must end before the terminating dot), and poplib counted the difference.
        await using var wire = await SmtpWire.ConnectAsync(Port);
        await wire.CommandAsync("EHLO client.test");
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        await wire.CommandAsync("RCPT TO:<user@example.com>");
        await wire.SendAsync("BDAT 14\r\nSubject: x\r\n\r\n");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        await wire.SendAsync("BDAT 4 LAST\r\nbody");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        var handoff = Assert.Single(await _kit.InboundAsync());
        var blob = await _kit.StoredAsync(handoff);
        Assert.EndsWith("\r\nSubject: x\r\n\r\nbody\r\n", Encoding.UTF8.GetString(blob), StringComparison.Ordinal);
        Assert.Equal(blob.Length, handoff.Summary!.Body.EndOffset);
    }

    [Fact]
    public async Task Bdat_chunks_make_one_message_and_refused_chunks_are_still_consumed()
    {
        await using var wire = await SmtpWire.ConnectAsync(Port);
        await wire.CommandAsync("EHLO client.test");
        // A BDAT outside a transaction is refused, but its octets never turn into commands.
        await wire.SendAsync("BDAT 12\r\nQUIT\r\nQUIT\r\n");
        Assert.Equal((503, "5.5.1"), Code(await wire.ReadReplyAsync()));
        await wire.CommandAsync("MAIL FROM:<a@remote.example>");
        await wire.CommandAsync("RCPT TO:<user@example.com>");
        Assert.Equal((521, "5.5.4"), Code(await wire.CommandAsync("BDAT bogus")));
        Assert.True(await wire.IsClosedAsync()); // a BDAT without a size cannot be skipped: 521 says the session ends
        await using var next = await SmtpWire.ConnectAsync(Port);
        await next.CommandAsync("EHLO client.test");
        await next.CommandAsync("MAIL FROM:<a@remote.example>");
        await next.CommandAsync("RCPT TO:<user@example.com>");
        await next.SendAsync("BDAT 14\r\nSubject: x\r\n\r\n");
        Assert.Equal(250, (await next.ReadReplyAsync()).Code);
        Assert.Equal((503, "5.5.1"), Code(await next.CommandAsync("DATA")));
        await next.SendAsync("BDAT 6\r\nbody\r\nBDAT 0 LAST\r\n");
        Assert.Equal(250, (await next.ReadReplyAsync()).Code);
        var done = await next.ReadReplyAsync();
        Assert.Equal(250, done.Code);
        Assert.Contains("queued as", done.Last, StringComparison.Ordinal);
        var handoff = Assert.Single(await _kit.InboundAsync());
        var blob = await _kit.StoredAsync(handoff);
        Assert.EndsWith("\r\nSubject: x\r\n\r\nbody\r\n", Encoding.UTF8.GetString(blob), StringComparison.Ordinal);
        Assert.Equal("x", handoff.Summary!.Envelope.Subject);
    }

    private static (int, string) Code(SmtpWireReply reply) => (reply.Code, reply.Enhanced);
}

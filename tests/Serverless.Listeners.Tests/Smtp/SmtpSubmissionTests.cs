using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Messages;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

public sealed class SmtpSubmissionTests : IAsyncLifetime
{
    private SmtpTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await SmtpTestKit.StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static SmtpClient NewClient() => new() { ServerCertificateValidationCallback = (_, _, _, _) => true };

    private static MimeMessage Message(string from, params string[] to)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse(from));
        foreach (var t in to)
        {
            m.To.Add(MailboxAddress.Parse(t));
        }
        m.Subject = "submitted";
        m.Body = new TextPart("plain") { Text = "hello" };
        return m;
    }

    [Fact]
    public async Task Starttls_auth_plain_splits_local_and_remote_recipients_over_one_shared_blob()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Submission, SecureSocketOptions.StartTls);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        client.AuthenticationMechanisms.Remove("LOGIN");
        await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        await client.SendAsync(Message("user@example.com", "other@example.com", "friend@remote.example"));
        await client.DisconnectAsync(true);

        var inbound = Assert.Single(await _kit.InboundAsync());
        var outbound = Assert.Single(await _kit.OutboundAsync());
        Assert.Equal("submission", inbound.Via);
        Assert.Equal("user@example.com", inbound.AuthenticatedAs);
        Assert.True(inbound.Tls);
        Assert.Equal("other@example.com", Assert.Single(inbound.Recipients).Address);
        Assert.Equal("friend@remote.example", Assert.Single(outbound.Recipients).Address);
        Assert.Equal(("acme", "user@example.com"), (outbound.TenantId, outbound.AuthenticatedAs));
        Assert.Equal(inbound.BlobName, outbound.BlobName);
        Assert.Equal(inbound.Id + "|in", inbound.Holder);
        Assert.Equal(inbound.Id + "|out", outbound.Holder);
        // Both holders are registered: releasing one leaves the blob for the other.
        var holders = _kit.Host.Services.GetRequiredService<BlobHolders>();
        await holders.ReleaseAsync(inbound.BlobName, inbound.Holder, shared: true);
        Assert.NotEmpty(await _kit.BlobAsync(inbound.BlobName));
        var text = Encoding.UTF8.GetString(await _kit.BlobAsync(inbound.BlobName));
        Assert.StartsWith("Received: from ", text, StringComparison.Ordinal); // no Return-Path: the message may travel on
        Assert.Contains("with ESMTPSA", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implicit_tls_auth_login_and_sender_rules()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Submissions, SecureSocketOptions.SslOnConnect);
        client.AuthenticationMechanisms.Remove("PLAIN");
        await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        // An alias of the same tenant that delivers to the user may be the sender.
        await client.SendAsync(Message("sales@example.com", "friend@remote.example"));
        var notMine = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("other@example.com", "friend@remote.example")));
        Assert.Equal(SmtpStatusCode.MailboxNameNotAllowed, notMine.StatusCode);
        // An alias of another tenant pointing at the user does not make its domain the user's.
        var foreign = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("grab@globex.example", "friend@remote.example")));
        Assert.Equal(SmtpStatusCode.MailboxNameNotAllowed, foreign.StatusCode);
        await client.DisconnectAsync(true);
        var outbound = Assert.Single(await _kit.OutboundAsync());
        Assert.Equal("sales@example.com", outbound.MailFrom);
        Assert.Null(outbound.Holder);
        Assert.Empty(await _kit.InboundAsync());
    }

    [Fact]
    public async Task Auth_is_required_offered_only_over_tls_and_failures_are_refused()
    {
        await using var wire = await SmtpWire.ConnectAsync(_kit.Host.Ports.Submission);
        var ehlo = await wire.CommandAsync("EHLO client.test");
        Assert.DoesNotContain(ehlo.Lines, l => l[4..].StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Equal((530, "5.7.0"), Code(await wire.CommandAsync("MAIL FROM:<user@example.com>")));
        Assert.Equal((538, "5.7.11"), Code(await wire.CommandAsync("AUTH PLAIN " + Plain("user@example.com", SmtpTestKit.Password))));
        Assert.Equal(220, (await wire.CommandAsync("STARTTLS")).Code);
        await wire.StartTlsAsync();
        var secure = await wire.CommandAsync("EHLO client.test");
        Assert.Contains(secure.Lines, l => l[4..] == "AUTH PLAIN LOGIN");
        Assert.DoesNotContain(secure.Lines, l => l[4..] == "STARTTLS");
        Assert.Equal((535, "5.7.8"), Code(await wire.CommandAsync("AUTH PLAIN " + Plain("user@example.com", "wrong"))));
        Assert.Equal((504, "5.5.4"), Code(await wire.CommandAsync("AUTH CRAM-MD5")));
        Assert.Equal(334, (await wire.CommandAsync("AUTH PLAIN")).Code);
        Assert.Equal((501, "5.0.0"), Code(await wire.CommandAsync("*")));
        Assert.Equal(334, (await wire.CommandAsync("AUTH LOGIN")).Code);
        Assert.Equal(334, (await wire.CommandAsync(Convert.ToBase64String("user@example.com"u8.ToArray()))).Code);
        Assert.Equal((235, "2.7.0"), Code(await wire.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(SmtpTestKit.Password)))));
        Assert.Equal((503, "5.5.1"), Code(await wire.CommandAsync("AUTH PLAIN " + Plain("user@example.com", SmtpTestKit.Password))));
        Assert.Equal((553, "5.7.1"), Code(await wire.CommandAsync("MAIL FROM:<>")));
        Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<user@example.com>")).Code);
        Assert.Equal((550, "5.1.1"), Code(await wire.CommandAsync("RCPT TO:<nobody@example.com>")));
        Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<anyone@remote.example>")).Code);
    }

    [Fact]
    public async Task Repeated_failed_logins_are_throttled()
    {
        await using var wire = await SmtpWire.ConnectAsync(_kit.Host.Ports.Submissions, tls: true);
        await wire.CommandAsync("EHLO client.test");
        var codes = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            codes.Add((await wire.CommandAsync("AUTH PLAIN " + Plain("other@example.com", "guess" + i))).Code);
        }
        Assert.Equal(535, codes[0]);
        Assert.Contains(454, codes);
        // Once throttled even the right password is refused for a while.
        await using var again = await SmtpWire.ConnectAsync(_kit.Host.Ports.Submissions, tls: true);
        await again.CommandAsync("EHLO client.test");
        Assert.Equal((454, "4.7.0"), Code(await again.CommandAsync("AUTH PLAIN " + Plain("other@example.com", SmtpTestKit.Password))));
    }

    [Fact]
    public async Task Starttls_discards_commands_pipelined_before_the_handshake()
    {
        await using var wire = await SmtpWire.ConnectAsync(_kit.Host.Ports.Submission);
        await wire.CommandAsync("EHLO client.test");
        // The injected commands would run inside the TLS session if the server kept them.
        await wire.SendAsync("STARTTLS\r\nRSET\r\nMAIL FROM:<user@example.com>\r\n");
        Assert.Equal(220, (await wire.ReadReplyAsync()).Code);
        await wire.StartTlsAsync();
        var ehlo = await wire.CommandAsync("EHLO client.test");
        Assert.Equal(250, ehlo.Code);
        Assert.StartsWith("250-mail.test Hello client.test", ehlo.Lines[0], StringComparison.Ordinal);
        Assert.Equal(250, (await wire.CommandAsync("NOOP")).Code);
        Assert.Equal((503, "5.5.1"), Code(await wire.CommandAsync("STARTTLS")));
    }

    [Fact]
    public async Task Plaintext_auth_on_loopback_only_with_the_dev_setting()
    {
        await using var kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true" });
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", kit.Host.Ports.Submission, SecureSocketOptions.None);
        await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        await client.SendAsync(Message("user@example.com", "other@example.com"));
        var inbound = Assert.Single(await kit.InboundAsync());
        Assert.False(inbound.Tls);
        Assert.Null(inbound.Holder);
    }

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));

    private static (int, string) Code(SmtpWireReply reply) => (reply.Code, reply.Enhanced);
}

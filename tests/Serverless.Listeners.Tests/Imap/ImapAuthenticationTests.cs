using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Testing;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

public sealed class ImapAuthenticationTests
{
    private const string Password = "s3cret-Password";

    private static async Task<(ListenerHost Host, MailboxRecord Mailbox)> StartAsync(Dictionary<string, string?>? settings = null, string? connectionString = null)
    {
        var host = await ListenerHost.StartAsync(settings, connectionString: connectionString);
        var directory = host.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("t", "T");
        await directory.AddDomainAsync("t", "auth.test", null);
        var mailbox = await directory.CreateMailboxAsync("t", MailAddress.Parse("ann@auth.test"), Password, null, 0);
        return (host, mailbox);
    }

    [Fact]
    public async Task Without_tls_login_is_disabled_until_starttls()
    {
        var (host, mailbox) = await StartAsync();
        await using var _ = host;
        await using var raw = await RawImap.ConnectAsync(host.Ports.Imap);
        var caps = await raw.CommandAsync("CAPABILITY");
        Assert.Contains(" STARTTLS", caps[0], StringComparison.Ordinal);
        Assert.Contains(" LOGINDISABLED", caps[0], StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=PLAIN", caps[0], StringComparison.Ordinal);
        Assert.Equal(["A002 NO [PRIVACYREQUIRED] Login is disabled until TLS is active (STARTTLS)"], await raw.CommandAsync($"LOGIN {mailbox.Address} \"{Password}\""));
        Assert.Equal(["A003 NO [PRIVACYREQUIRED] Login is disabled until TLS is active (STARTTLS)"], await raw.CommandAsync("AUTHENTICATE PLAIN AGFubkBhdXRoLnRlc3QAeA=="));

        // Plaintext pipelined after STARTTLS is discarded, not executed inside TLS.
        await raw.WriteAsync("A004 STARTTLS\r\nA005 LOGOUT\r\n");
        Assert.Equal("A004 OK Begin TLS negotiation now", await raw.ReadLineAsync());
        await raw.StartTlsAsync();
        var tlsCaps = await raw.CommandAsync("CAPABILITY");
        Assert.Equal($"{raw.LastTag} OK CAPABILITY completed", tlsCaps[^1]); // the pipelined LOGOUT never ran
        Assert.Contains("AUTH=PLAIN", tlsCaps[0], StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", tlsCaps[0], StringComparison.Ordinal);
        var login = await raw.CommandAsync($"LOGIN {mailbox.Address} \"{Password}\"");
        Assert.StartsWith($"{raw.LastTag} OK [CAPABILITY IMAP4rev1 ", login[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticate_plain_with_continuation_initial_response_and_cancel()
    {
        var (host, mailbox) = await StartAsync();
        await using var _ = host;
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{mailbox.Address}\0{Password}"));
        using (var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", host.Ports.Imap, SecureSocketOptions.StartTls);
            await client.AuthenticateAsync(new SaslMechanismPlain(mailbox.Address, Password));
            Assert.True(client.IsAuthenticated);
        }
        await using var raw = await RawImap.ConnectAsync(host.Ports.Imap);
        await raw.CommandAsync("STARTTLS");
        await raw.StartTlsAsync();
        await raw.WriteAsync("P1 AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await raw.ReadLineAsync());
        await raw.WriteAsync("*\r\n");
        Assert.Equal(["P1 BAD Authentication cancelled"], await raw.ReadUntilTaggedAsync("P1"));
        var wrongUser = Convert.ToBase64String(Encoding.UTF8.GetBytes($"other@auth.test\0{mailbox.Address}\0{Password}"));
        Assert.Equal(["A002 NO [AUTHORIZATIONFAILED] Acting as another user is not allowed"], await raw.CommandAsync("AUTHENTICATE PLAIN " + wrongUser));
        await raw.WriteAsync("P2 AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await raw.ReadLineAsync());
        await raw.WriteAsync(plain + "\r\n");
        Assert.StartsWith("P2 OK [CAPABILITY ", (await raw.ReadUntilTaggedAsync("P2"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_passwords_fail_with_authenticationfailed_end_the_connection_and_are_throttled_across_connections()
    {
        var (host, mailbox) = await StartAsync(new() { ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true" });
        await using var _ = host;
        await using (var raw = await RawImap.ConnectAsync(host.Ports.Imap))
        {
            Assert.Equal(["A001 NO [AUTHENTICATIONFAILED] Invalid credentials"], await raw.CommandAsync($"LOGIN {mailbox.Address} wrong1"));
            Assert.Equal(["A002 NO [AUTHENTICATIONFAILED] Invalid credentials"], await raw.CommandAsync("LOGIN nobody@auth.test wrong2"));
            Assert.Equal(["* BYE Too many failed logins", "A003 NO [AUTHENTICATIONFAILED] Invalid credentials"], await raw.CommandAsync($"LOGIN {mailbox.Address} wrong3"));
            Assert.True(await raw.ClosedAsync());
        }
        await using (var raw = await RawImap.ConnectAsync(host.Ports.Imap))
        {
            await raw.CommandAsync($"LOGIN {mailbox.Address} wrong4");
            await raw.CommandAsync($"LOGIN {mailbox.Address} wrong5");
            await raw.CommandAsync($"LOGIN {mailbox.Address} wrong6");
        }
        // Five failures for the account within the window: even the right password is refused now.
        await using (var raw = await RawImap.ConnectAsync(host.Ports.Imap))
        {
            Assert.Equal(["A001 NO [AUTHENTICATIONFAILED] Too many failed logins, try again later"], await raw.CommandAsync($"LOGIN {mailbox.Address} \"{Password}\""));
        }
    }

    [Fact]
    public async Task Storage_outage_is_answered_with_unavailable_and_the_session_recovers()
    {
        await using var proxy = await StorageOutageProxy.StartAsync();
        var (host, mailbox) = await StartAsync(new()
        {
            ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
            ["Mail:Security:AccountCacheLifetime"] = "00:00:00",
        }, proxy.ConnectionString);
        await using var _ = host;
        await using var raw = await RawImap.ConnectAsync(host.Ports.Imap);
        await raw.LoginAsync(mailbox.Address, Password);
        await raw.CommandAsync("SELECT INBOX");

        proxy.Cut();
        Assert.Equal(["A003 NO [UNAVAILABLE] Storage is temporarily unavailable, please try again"], await raw.CommandAsync("STATUS Sent (MESSAGES)"));
        await using (var second = await RawImap.ConnectAsync(host.Ports.Imap))
        {
            Assert.Equal(["A001 NO [UNAVAILABLE] Storage is temporarily unavailable, please try again"], await second.CommandAsync($"LOGIN {mailbox.Address} \"{Password}\""));
        }

        proxy.Restore();
        Assert.Equal(["* STATUS \"Sent\" (MESSAGES 0)", "A004 OK STATUS completed"], await raw.CommandAsync("STATUS Sent (MESSAGES)"));
        Assert.Equal(["A005 OK NOOP completed"], await raw.CommandAsync("NOOP"));
    }
}

using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Accounts;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>
/// Submission checks the header: every From: and Sender: mailbox must be the user's own address, an
/// alias of their tenant that delivers to them, or a send-as grant; otherwise 550 and nothing is
/// kept, whatever the size (a message over 1 MiB streams into its blob before the check). The kit's
/// user is user@example.com (tenant acme, with other@example.com; aliases sales → user,
/// team → user+other); globex's grab@globex.example delivers to user but is another tenant's.
/// </summary>
public sealed class SmtpHonestSenderTests : IAsyncLifetime
{
    private SmtpTestKit _kit = null!;

    // Logins read the mailbox row (and its grants) every time, so a grant's change shows at the next login.
    public async Task InitializeAsync() => _kit = await SmtpTestKit.StartAsync(new Dictionary<string, string?> { ["Mail:Security:AccountCacheLifetime"] = "00:00:00" });

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private async Task<SmtpClient> LoginAsync()
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Submission, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        return client;
    }

    private static MimeMessage Message(string? from, int bodyBytes = 100, string? sender = null)
    {
        var m = new MimeMessage();
        if (from is not null)
        {
            m.From.AddRange(InternetAddressList.Parse(from));
        }
        if (sender is not null)
        {
            m.Sender = MailboxAddress.Parse(sender);
        }
        m.To.Add(MailboxAddress.Parse("other@example.com"));
        m.Subject = "honest?";
        var line = new string('x', 76) + "\r\n";
        m.Body = new TextPart("plain") { Text = new StringBuilder().Insert(0, line, Math.Max(1, bodyBytes / line.Length)).ToString() };
        return m;
    }

    /// <summary>Sends with MAIL FROM the user's own address to a local and a remote recipient; the reply of the end of data.</summary>
    private static async Task<(int Code, string Text)> SendAsync(SmtpClient client, MimeMessage message)
    {
        try
        {
            await client.SendAsync(message, MailboxAddress.Parse("user@example.com"),
                [MailboxAddress.Parse("other@example.com"), MailboxAddress.Parse("friend@remote.example")]);
            return (250, "");
        }
        catch (SmtpCommandException e)
        {
            return ((int)e.StatusCode, e.Message);
        }
    }

    private async Task AssertNothingKeptAsync()
    {
        Assert.Equal(0, await _kit.BlobCountAsync());
        Assert.Empty(await _kit.InboundAsync());
        Assert.Empty(await _kit.OutboundAsync());
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1_500_000)] // streamed into the spool blob before the end of data
    public async Task A_spoofed_from_is_refused_with_550_5_7_1_and_nothing_is_kept(int size)
    {
        using var client = await LoginAsync();
        foreach (var spoof in new[] { "other@example.com", "grab@globex.example", "ceo@not-hosted.example", "\"User\" <user@example.com>, other@example.com" })
        {
            var (code, text) = await SendAsync(client, Message(spoof, size));
            Assert.Equal(550, code);
            Assert.Contains("From: header address", text, StringComparison.Ordinal);
            Assert.Contains("is not yours to send as", text, StringComparison.Ordinal);
        }
        await AssertNothingKeptAsync();
        // The session goes on: the user's own address is accepted right after.
        Assert.Equal(250, (await SendAsync(client, Message("\"User\" <user@example.com>", size))).Code);
        Assert.True(Assert.Single(await _kit.OutboundAsync()).Sign); // checked: the relay signs it
    }

    [Fact]
    public async Task The_sender_header_is_checked_too()
    {
        using var client = await LoginAsync();
        var (code, text) = await SendAsync(client, Message("user@example.com", sender: "other@example.com"));
        Assert.Equal(550, code);
        Assert.Contains("Sender: header address other@example.com is not yours to send as", text, StringComparison.Ordinal);
        await AssertNothingKeptAsync();
        Assert.Equal(250, (await SendAsync(client, Message("team@example.com", sender: "user@example.com"))).Code);
    }

    [Fact]
    public async Task Own_address_delivering_aliases_groups_and_encoded_names_pass()
    {
        using var client = await LoginAsync();
        foreach (var from in new[]
        {
            "USER@Example.com", "sales@example.com", "team@example.com", "=?UTF-8?B?w5xzZXI=?= <user@example.com>",
            "Us: user@example.com, sales@example.com;",
        })
        {
            Assert.Equal((250, ""), await SendAsync(client, Message(from)));
        }
        // A group is checked mailbox by mailbox.
        Assert.Equal(550, (await SendAsync(client, Message("Us: user@example.com, other@example.com;"))).Code);
    }

    [Fact]
    public async Task A_message_without_a_from_address_is_refused_with_5_6_0()
    {
        using var client = await LoginAsync();
        var (code, text) = await SendAsync(client, Message(null));
        Assert.Equal(550, code);
        Assert.Contains("no From: header address", text, StringComparison.Ordinal);
        Assert.Equal(550, (await SendAsync(client, Message("undisclosed-recipients:;"))).Code);
        await AssertNothingKeptAsync();
    }

    [Fact]
    public async Task A_send_as_grant_lets_it_pass_until_it_is_withdrawn()
    {
        var directory = _kit.Host.Services.GetRequiredService<MailDirectory>();
        var user = MailAddress.Parse("user@example.com");
        var other = MailAddress.Parse("other@example.com");
        Assert.Equal(SendAsChange.Done, await directory.GrantSendAsAsync("acme", user, other));
        using (var client = await LoginAsync())
        {
            Assert.Equal((250, ""), await SendAsync(client, Message("other@example.com", sender: "user@example.com")));
        }
        Assert.Equal(SendAsChange.Done, await directory.RevokeSendAsAsync("acme", user, other));
        using (var client = await LoginAsync())
        {
            Assert.Equal(550, (await SendAsync(client, Message("other@example.com"))).Code);
        }
    }

    [Fact]
    public async Task Received_says_esmtpsa_and_not_who()
    {
        using var client = await LoginAsync();
        await client.SendAsync(Message("user@example.com"), MailboxAddress.Parse("user@example.com"), [MailboxAddress.Parse("other@example.com")]);
        var handoff = Assert.Single(await _kit.InboundAsync());
        var text = Encoding.UTF8.GetString(await _kit.BlobAsync(handoff.BlobName));
        // The Received field: its first line and the folded (whitespace-led) lines after it.
        var received = System.Text.RegularExpressions.Regex.Match(text, "^Received:.*?\r\n(?![ \t])", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        Assert.StartsWith("Received:", received, StringComparison.Ordinal);
        Assert.Contains("with ESMTPSA", received, StringComparison.Ordinal);
        Assert.DoesNotContain("user", received, StringComparison.OrdinalIgnoreCase);
    }
}

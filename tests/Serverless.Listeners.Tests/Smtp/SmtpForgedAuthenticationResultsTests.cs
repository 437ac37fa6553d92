using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Listeners.Smtp;
using Serverless.Mail.Delivery;
using Serverless.Mail.Messages;
using Xunit;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>
/// RFC 8601 section 5 end to end: a sender's Authentication-Results claiming our authserv-id
/// (mail.test) never reaches the mailbox; a third party's survives; the body is untouched.
/// </summary>
public sealed class SmtpForgedAuthenticationResultsTests : IAsyncLifetime
{
    private const string BodyDecoy = "Authentication-Results: mail.test; dkim=pass (a body line, kept)";
    private SmtpTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await SmtpTestKit.StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static string Message(int minimumLength)
    {
        var sb = new StringBuilder()
            .Append("From: security@bank.example\r\n")
            .Append("Authentication-Results: mail.test; dkim=pass header.d=bank.example; dmarc=pass\r\n")
            .Append("To: user@example.com\r\n")
            .Append("Authentication-Results: mx.thirdparty.example; spf=pass smtp.mailfrom=bank.example\r\n")
            .Append("Authentication-Results: (folded and shouting)\r\n\tMAIL.TEST;\r\n\tspf=pass smtp.mailfrom=bank.example\r\n")
            .Append("Subject: please verify your account\r\n")
            .Append("\r\n")
            .Append(BodyDecoy).Append("\r\n");
        var line = new string('x', 76) + "\r\n";
        while (sb.Length < minimumLength)
        {
            sb.Append(line);
        }
        return sb.Append("end\r\n").ToString();
    }

    [Theory]
    [InlineData(0)] // checked and stored from memory
    [InlineData(IncomingMessage.MemoryLimit + 1000)] // spooled, yet under one spool buffer
    [InlineData(SpoolBlobStream.DefaultBufferSize * 3 / 2)] // spooled in blocks
    public async Task A_forged_result_for_our_host_is_removed_and_a_third_party_result_kept(int minimumLength)
    {
        var raw = Message(minimumLength);
        var large = raw.Length > IncomingMessage.MemoryLimit;
        await using (var wire = await SmtpWire.ConnectAsync(_kit.Host.Ports.Smtp))
        {
            Assert.Equal(250, (await wire.CommandAsync("EHLO client.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<security@bank.example>")).Code);
            Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<user@example.com>")).Code);
            Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
            await wire.SendAsync(raw + ".\r\n");
            Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        }
        var handoff = Assert.Single(await _kit.InboundAsync());
        Assert.Equal(large, handoff.Summary is null); // a large message is summarised by the ingest, from the blob
        var blob = await _kit.StoredAsync(handoff);
        Assert.Equal(blob.Length, handoff.Size); // the stored size, not the client's byte count
        var ingest = await _kit.Host.Services.GetRequiredService<InboundIngest>().IngestAsync(handoff);
        Assert.Equal(1, ingest.Filed);

        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Imaps, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var message = await client.Inbox.GetMessageAsync(0);
        // BODY[HEADER] is served from the summary's offsets: they must match the stored bytes.
        var headers = await client.Inbox.GetHeadersAsync(0);
        foreach (var list in new[] { message.Headers, headers })
        {
            var results = list.Where(h => h.Id == HeaderId.AuthenticationResults).Select(h => h.Value.Trim()).ToList();
            var ours = Assert.Single(results, r => r.StartsWith("mail.test", StringComparison.OrdinalIgnoreCase));
            Assert.StartsWith("mail.test;", ours, StringComparison.Ordinal);
            Assert.Contains("dkim=none", ours, StringComparison.Ordinal); // our verdict, not the forger's "dkim=pass"
            Assert.Single(results, r => r.StartsWith("mx.thirdparty.example;", StringComparison.Ordinal));
            Assert.Equal(2, results.Count);
            Assert.Equal("please verify your account", list[HeaderId.Subject]);
        }
        // The body arrives byte for byte, header-like lines included.
        var sentBody = raw[(raw.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.EndsWith("\r\n\r\n" + sentBody, Encoding.ASCII.GetString(blob), StringComparison.Ordinal);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var fetched = new MemoryStream();
        await message.Body!.WriteToAsync(options, fetched, contentOnly: true);
        Assert.Equal(sentBody, Encoding.ASCII.GetString(fetched.ToArray()));
        Assert.StartsWith(BodyDecoy, message.TextBody, StringComparison.Ordinal);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_submission_loses_a_result_claiming_our_host_too()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("user@example.com"));
        message.To.Add(MailboxAddress.Parse("other@example.com"));
        message.Subject = "from a logged-in user";
        message.Headers.Add("Authentication-Results", "mail.test; dkim=pass header.d=example.com");
        message.Headers.Add("Authentication-Results", "mx.thirdparty.example; spf=pass");
        message.Body = new TextPart("plain") { Text = "hello" };
        using (var client = new MailKit.Net.Smtp.SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", _kit.Host.Ports.Submission, SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("user@example.com", SmtpTestKit.Password);
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }
        var handoff = Assert.Single(await _kit.InboundAsync());
        var text = Encoding.UTF8.GetString(await _kit.StoredAsync(handoff));
        Assert.DoesNotContain("mail.test; dkim=pass", text, StringComparison.Ordinal);
        Assert.Contains("Authentication-Results: mx.thirdparty.example; spf=pass\r\n", text, StringComparison.Ordinal);
        Assert.Equal(text.Length, handoff.Size);
        Assert.Equal(text.Length, handoff.Summary!.Body.EndOffset);
    }
}

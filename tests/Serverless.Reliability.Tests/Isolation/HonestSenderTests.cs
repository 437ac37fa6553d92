using System.Net;
using System.Net.Http.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;

namespace Serverless.Reliability.Tests.Isolation;

/// <summary>
/// The whole stack: alice (acme) cannot put another tenant's address, another acme user's address
/// or a foreign address in From: over real submission (STARTTLS, AUTH), and a send-as grant made
/// through the API lets her until its DELETE.
/// </summary>
public sealed class HonestSenderTests : IAsyncLifetime
{
    private MailStack _stack = null!;

    // Logins read the mailbox row each time, so a grant's DELETE shows at the next login at once.
    public async Task InitializeAsync() => _stack = await MailStack.StartAsync(new Dictionary<string, string?> { ["Mail:Security:AccountCacheLifetime"] = "00:00:00" });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private async Task<int> SubmitAsync(string from)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", _stack.SubmissionPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync("alice@acme.test", MailStack.Password);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("carol@acme.test"));
        message.Subject = "from " + from;
        message.Body = new TextPart("plain") { Text = "hi" };
        try
        {
            await client.SendAsync(message, MailboxAddress.Parse("alice@acme.test"), [MailboxAddress.Parse("carol@acme.test")]);
            return 250;
        }
        catch (SmtpCommandException e)
        {
            Assert.Contains("From: header address", e.Message, StringComparison.Ordinal);
            return (int)e.StatusCode;
        }
    }

    [Fact]
    public async Task Spoofed_from_is_refused_and_a_send_as_grant_holds_until_deleted()
    {
        foreach (var spoof in new[] { "dave@globex.test", "ops@globex.test", "bob@acme.test", "ceo@gmail.example" })
        {
            Assert.Equal(550, await SubmitAsync(spoof));
        }
        Assert.Equal(250, await SubmitAsync("team@acme.test")); // an acme alias that delivers to alice

        using var api = _stack.Api(_stack.AcmeKey);
        using (var granted = await api.PostAsJsonAsync(new Uri("tenants/acme/mailboxes/alice@acme.test/send-as", UriKind.Relative), new { address = "bob@acme.test" }))
        {
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        }
        // Grants stay in the tenant: globex's address cannot be granted, and globex's key cannot see acme's mailbox.
        using (var foreign = await api.PostAsJsonAsync(new Uri("tenants/acme/mailboxes/alice@acme.test/send-as", UriKind.Relative), new { address = "dave@globex.test" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        }
        using (var other = _stack.Api(_stack.GlobexKey))
        using (var hidden = await other.GetAsync(new Uri("tenants/acme/mailboxes/alice@acme.test/send-as", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }
        Assert.Equal(250, await SubmitAsync("bob@acme.test"));

        using (var deleted = await api.DeleteAsync(new Uri("tenants/acme/mailboxes/alice@acme.test/send-as/bob@acme.test", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        Assert.Equal(550, await SubmitAsync("bob@acme.test"));
        var carol = await Poll.UntilAsync(() => _stack.MessagesAsync("carol@acme.test"), l => l.Count >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, carol.Count); // only the two accepted ones
    }
}

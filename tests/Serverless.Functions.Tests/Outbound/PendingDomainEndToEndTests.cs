using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Testing.Outbound;
using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>
/// Issue 14, end to end through the dev host: a tenant that cannot prove a domain gets none of its
/// mail — the MX refuses it, another tenant's submission and forwarding alias reach the internet
/// route (the loopback DNS + SMTP servers), not the claimant's catch-all — until the TXT record is served.
/// </summary>
public sealed class PendingDomainEndToEndTests
{
    private const string AdminKey = "pending-domain-admin-key-0123456789";
    private const string Password = "correct horse battery";

    [Fact]
    public async Task A_tenant_that_cannot_prove_a_domain_gets_none_of_its_mail_until_the_txt_record_is_served()
    {
        var outboundPort = DevHostStack.FreePort();
        await using var stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.service.test",
            Settings = new Dictionary<string, string?>
            {
                ["Mail:AdminApiKey"] = AdminKey,
                ["Mail:Provisioning:RequireDomainVerification"] = "true",
                ["Mail:Outbound:SmtpPort"] = outboundPort,
                ["Mail:Outbound:AllowPrivateNetworks"] = "true",
                ["Mail:DevHost:Queues:MaxPollingInterval"] = "00:00:00.500",
            },
            Start = false,
        });
        // acme, a tenant with a proven domain; globex claims victim.test, which it cannot prove.
        var directory = stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "sender.test", null);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("alice@sender.test"), Password, "Alice", 0);
        await directory.CreateAliasAsync("acme", "sender.test", "fwd", ["someone@victim.test"]);
        await directory.CreateTenantAsync("globex", "Globex");
        var globexKey = (await directory.CreateApiKeyAsync("globex")).Plaintext;
        await directory.AddDomainAsync("globex", "globex.test", null);
        var catcher = await directory.CreateMailboxAsync("globex", MailAddress.Parse("catch@globex.test"), Password, null, 0);
        stack.Dns.AddMx("victim.test", 10, "mx.victim.test");
        stack.Dns.AddA("mx.victim.test", "127.0.0.72");
        await using var internet = TestSmtpServer.Start("127.0.0.72", int.Parse(outboundPort, CultureInfo.InvariantCulture));
        await stack.App.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.ApiPort}/api/") };
        var claim = await CallAsync(http, HttpMethod.Post, "tenants/globex/domains", globexKey, new { name = "victim.test" }, HttpStatusCode.Created);
        Assert.Equal("pending", claim.GetProperty("status").GetString());
        var txt = claim.GetProperty("verification").GetProperty("value").GetString()!;
        // The worst case: a catch-all already in the pending domain (the API refuses to make one; a directory row stands in for it).
        await directory.CreateAliasAsync("globex", "victim.test", null, ["catch@globex.test"]);

        // The MX refuses the pending domain's recipients like any foreign domain's.
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => SendMxAsync(stack, "anyone@victim.test"));
        Assert.Equal(SmtpStatusCode.TransactionFailed, refused.StatusCode);
        Assert.Contains("5.7.1", refused.Message, StringComparison.Ordinal);

        // Another tenant's user writes to it: the relay sends it to the internet. acme's forwarding alias does the same.
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 })
        {
            await client.ConnectAsync("127.0.0.1", stack.Port("Submission"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("alice@sender.test", Password);
            await client.SendAsync(Message("alice@sender.test", "boss@victim.test", "submitted"));
            await client.DisconnectAsync(true);
        }
        await SendMxAsync(stack, "fwd@sender.test", "forwarded");
        var arrived = await internet.WaitForMessagesAsync(2);
        Assert.Contains(arrived, m => m.Recipients.SequenceEqual(["boss@victim.test"]) && m.Text.Contains("Subject: submitted", StringComparison.Ordinal));
        Assert.Contains(arrived, m => m.Recipients.SequenceEqual(["someone@victim.test"]) && m.Text.Contains("Subject: forwarded", StringComparison.Ordinal));
        Assert.Empty(await InboxAsync(stack, catcher.MailboxId));

        // The TXT record served by the DNS server flips it: now the domain is globex's and its mail lands there.
        stack.Dns.AddTxt("_serverless-mail.victim.test", txt);
        var verified = await CallAsync(http, HttpMethod.Post, "tenants/globex/domains/victim.test/verify", globexKey, null, HttpStatusCode.OK);
        Assert.Equal("verified", verified.GetProperty("status").GetString());
        await SendMxAsync(stack, "anyone@victim.test", "after verification");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await InboxAsync(stack, catcher.MailboxId)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal("after verification", Assert.Single(await InboxAsync(stack, catcher.MailboxId)).Summary!.Envelope.Subject);
        Assert.Equal(2, internet.Messages.Count);
    }

    internal static MimeMessage Message(string from, string to, string subject)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse(from));
        m.To.Add(MailboxAddress.Parse(to));
        m.Subject = subject;
        m.Body = new TextPart("plain") { Text = "Hello.\r\n" };
        return m;
    }

    internal static async Task SendMxAsync(DevHostStack stack, string to, string subject = "to the MX")
    {
        using var client = new SmtpClient { Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", stack.Port("Smtp"), SecureSocketOptions.None);
        try
        {
            await client.SendAsync(Message("someone@outside.test", to, subject));
        }
        finally
        {
            await client.DisconnectAsync(true);
        }
    }

    internal static async Task<List<IndexedMessage>> InboxAsync(DevHostStack stack, string mailboxId)
    {
        var list = new List<IndexedMessage>();
        await foreach (var m in stack.Get<MailboxIndex>().ListMessagesAsync(mailboxId, SpecialUse.InboxId))
        {
            list.Add(m);
        }
        return list;
    }

    internal static async Task<JsonElement> CallAsync(HttpClient http, HttpMethod method, string path, string key, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {expected}, got {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

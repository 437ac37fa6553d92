using System.Net;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Serverless.Functions.Tests.Outbound;
using Serverless.Mail.Accounts;
using Serverless.Mail.Usage;
using Serverless.Testing.Raw;
using Serverless.Testing.Stack;
using Xunit;
using static Serverless.Functions.Tests.Outbound.PendingDomainEndToEndTests;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>
/// Issue 21: tenant-level quotas set through the API and enforced by the dev host's listeners —
/// 452 4.2.2 at RCPT for an over-quota tenant, 552 5.2.2 for a message that can never fit, the
/// same at the end of DATA, IMAP APPEND NO [OVERQUOTA], 409 for a mailbox past the limit; and mail
/// flows again once the tenant is under its quotas.
/// </summary>
public sealed class TenantQuotaTests
{
    private const string AdminKey = "tenant-quota-admin-key-0123456789";
    private const string Password = "correct horse battery";

    [Fact]
    public async Task An_over_quota_tenant_gets_each_refusal_and_mail_flows_again_under_its_quotas()
    {
        await using var stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.quota.test",
            Settings = new Dictionary<string, string?>
            {
                ["Mail:AdminApiKey"] = AdminKey,
                ["Mail:DevHost:Queues:MaxPollingInterval"] = "00:00:00.200",
            },
            Start = false,
        });
        var directory = stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "acme.test", null);
        var alice = await directory.CreateMailboxAsync("acme", MailAddress.Parse("alice@acme.test"), Password, "Alice", 0);
        await stack.App.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.ApiPort}/api/") };

        // Under its quotas: mail is taken, a second mailbox may be made.
        await PutQuotasAsync(http, storedBytes: 1_000_000, mailboxes: 2, messagesPerDay: 100);
        await SendToAliceAsync(stack, "first");
        await WaitForInboxAsync(stack, alice.MailboxId, 1);
        await CallAsync(http, HttpMethod.Post, "tenants/acme/mailboxes", AdminKey, new { address = "bob@acme.test", password = Password }, HttpStatusCode.Created);

        // The mailbox limit: a third one is a 409 problem.
        var refused = await CallAsync(http, HttpMethod.Post, "tenants/acme/mailboxes", AdminKey, new { address = "carol@acme.test", password = Password }, HttpStatusCode.Conflict);
        Assert.Contains("quota", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A message declared larger than the whole byte quota can never fit: 552 5.2.2 at RCPT.
        await using (var wire = await SmtpWire.ConnectAsync(stack.Port("Smtp")))
        {
            Assert.Equal(250, (await wire.CommandAsync("EHLO mx.outside.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<someone@outside.test> SIZE=2000000")).Code);
            var rcpt = await wire.CommandAsync("RCPT TO:<alice@acme.test>");
            Assert.Equal((552, "5.2.2"), (rcpt.Code, rcpt.Enhanced));
        }

        // At the byte quota (set to what alice holds): 452 4.2.2 at RCPT, raw and through MailKit (whose SIZE= fits the quota).
        var stored = (await CallAsync(http, HttpMethod.Get, "tenants/acme/quotas", AdminKey, null, HttpStatusCode.OK)).GetProperty("usage").GetProperty("storedBytes").GetInt64();

        // 50 bytes of room: RCPT passes, but the message's real size at the end of DATA does not fit (452); one larger than the quota never does (552).
        await PutQuotasAsync(http, storedBytes: stored + 50, mailboxes: 0, messagesPerDay: 0);
        foreach (var (bodyBytes, code, enhanced) in new[] { (100, 452, "4.2.2"), ((int)stored + 100, 552, "5.2.2") })
        {
            await using var wire = await SmtpWire.ConnectAsync(stack.Port("Smtp"));
            Assert.Equal(250, (await wire.CommandAsync("EHLO mx.outside.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<someone@outside.test>")).Code);
            Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<alice@acme.test>")).Code);
            Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
            await wire.SendAsync("Subject: big\r\n\r\n" + new string('x', bodyBytes) + "\r\n.\r\n");
            var end = await wire.ReadReplyAsync();
            Assert.Equal((code, enhanced), (end.Code, end.Enhanced));
        }
        await PutQuotasAsync(http, storedBytes: stored, mailboxes: 0, messagesPerDay: 0);
        await using (var wire = await SmtpWire.ConnectAsync(stack.Port("Smtp")))
        {
            Assert.Equal(250, (await wire.CommandAsync("EHLO mx.outside.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<someone@outside.test>")).Code);
            var rcpt = await wire.CommandAsync("RCPT TO:<alice@acme.test>");
            Assert.Equal((452, "4.2.2"), (rcpt.Code, rcpt.Enhanced));
        }
        var full = await Assert.ThrowsAsync<SmtpCommandException>(() => SendToAliceAsync(stack, "refused"));
        Assert.Equal(SmtpStatusCode.InsufficientStorage, full.StatusCode);
        Assert.Contains("4.2.2", full.Message, StringComparison.Ordinal);

        // IMAP APPEND of alice's own message is refused the same way.
        using (var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 })
        {
            await imap.ConnectAsync("127.0.0.1", stack.Port("Imap"), SecureSocketOptions.StartTls);
            await imap.AuthenticateAsync("alice@acme.test", Password);
            var append = await Assert.ThrowsAsync<ImapCommandException>(() => imap.Inbox.AppendAsync(Message("alice@acme.test", "alice@acme.test", "draft")));
            Assert.Equal(ImapCommandResponse.No, append.Response);
            Assert.Contains("quota", append.ResponseText, StringComparison.Ordinal);
            await imap.DisconnectAsync(true);
        }

        // The quotas and the usage against them.
        var status = await CallAsync(http, HttpMethod.Get, "tenants/acme/quotas", AdminKey, null, HttpStatusCode.OK);
        Assert.Equal(stored, status.GetProperty("limits").GetProperty("storedBytes").GetInt64());
        Assert.Equal(stored, status.GetProperty("usage").GetProperty("storedBytes").GetInt64());
        Assert.Equal(2, status.GetProperty("usage").GetProperty("mailboxes").GetInt64());

        // Messages a day: the one message today (written to the usage rows) reaches a limit of 1, for the MX and for submission.
        await stack.Get<UsageRecorder>().FlushAsync();
        await PutQuotasAsync(http, storedBytes: 0, mailboxes: 0, messagesPerDay: 1);
        await using (var wire = await SmtpWire.ConnectAsync(stack.Port("Smtp")))
        {
            Assert.Equal(250, (await wire.CommandAsync("EHLO mx.outside.test")).Code);
            Assert.Equal(250, (await wire.CommandAsync("MAIL FROM:<someone@outside.test>")).Code);
            var rcpt = await wire.CommandAsync("RCPT TO:<alice@acme.test>");
            Assert.Equal((452, "4.2.2"), (rcpt.Code, rcpt.Enhanced));
        }
        using (var submission = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 })
        {
            await submission.ConnectAsync("127.0.0.1", stack.Port("Submission"), SecureSocketOptions.StartTls);
            await submission.AuthenticateAsync("alice@acme.test", Password);
            var sending = await Assert.ThrowsAsync<SmtpCommandException>(() => submission.SendAsync(Message("alice@acme.test", "friend@remote.test", "out")));
            Assert.Equal(SmtpStatusCode.InsufficientStorage, sending.StatusCode);
            await submission.DisconnectAsync(true);
        }

        // Raised again: the MX takes mail at once (the API's process forgets its cached figure).
        await PutQuotasAsync(http, storedBytes: 1_000_000, mailboxes: 0, messagesPerDay: 100);
        await SendToAliceAsync(stack, "second");
        await WaitForInboxAsync(stack, alice.MailboxId, 2);
    }

    [Fact]
    public async Task Quotas_are_set_by_the_admin_only_and_read_by_the_tenant()
    {
        await using var stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.quota.test",
            Settings = new Dictionary<string, string?> { ["Mail:AdminApiKey"] = AdminKey },
            Start = false,
        });
        var directory = stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        var tenantKey = (await directory.CreateApiKeyAsync("acme")).Plaintext;
        await stack.App.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.ApiPort}/api/") };

        await CallAsync(http, HttpMethod.Put, "tenants/acme/quotas", tenantKey, new { storedBytes = 0 }, HttpStatusCode.Forbidden);
        await CallAsync(http, HttpMethod.Put, "tenants/acme/quotas", AdminKey, new { storedBytes = -1 }, HttpStatusCode.BadRequest);
        await CallAsync(http, HttpMethod.Put, "tenants/nobody/quotas", AdminKey, new { storedBytes = 1 }, HttpStatusCode.NotFound);
        var set = await CallAsync(http, HttpMethod.Put, "tenants/acme/quotas", AdminKey, new { storedBytes = 5_000_000, messagesPerDay = 1000 }, HttpStatusCode.OK);
        Assert.Equal(0, set.GetProperty("limits").GetProperty("mailboxes").GetInt64());
        var read = await CallAsync(http, HttpMethod.Get, "tenants/acme/quotas", tenantKey, null, HttpStatusCode.OK);
        Assert.Equal(5_000_000, read.GetProperty("limits").GetProperty("storedBytes").GetInt64());
        Assert.Equal(1000, read.GetProperty("limits").GetProperty("messagesPerDay").GetInt64());
        Assert.Equal(0, read.GetProperty("usage").GetProperty("messagesToday").GetInt64());
        Assert.Equal(new TenantQuotas(5_000_000, 0, 1000), (await directory.GetTenantAsync("acme"))!.Quotas);
    }

    private static Task<JsonElement> PutQuotasAsync(HttpClient http, long storedBytes, long mailboxes, long messagesPerDay) =>
        CallAsync(http, HttpMethod.Put, "tenants/acme/quotas", AdminKey, new { storedBytes, mailboxes, messagesPerDay }, HttpStatusCode.OK);

    private static Task SendToAliceAsync(DevHostStack stack, string subject) => PendingDomainEndToEndTests.SendMxAsync(stack, "alice@acme.test", subject);

    private static async Task WaitForInboxAsync(DevHostStack stack, string mailboxId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await InboxAsync(stack, mailboxId)).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} messages filed in 30 s");
            await Task.Delay(100);
        }
        Assert.Equal(count, (await InboxAsync(stack, mailboxId)).Count);
    }
}

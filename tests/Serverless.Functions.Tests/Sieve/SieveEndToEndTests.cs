using System.Globalization;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Sieve;
using Serverless.Mail.Storage;
using Serverless.Testing.Outbound;
using Serverless.Testing.Sieve;
using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Functions.Tests.Sieve;

/// <summary>
/// Sieve through the whole local stack: mail sent to the MX listener, filed by the ingest with the
/// recipient's script (from <see cref="TestSieveScripts"/>), seen over IMAP, and replies/refusals
/// delivered by the relay to a receiving SMTP server on loopback (MX of origin.test).
/// </summary>
public sealed class SieveEndToEndTests
{
    private const string Password = "correct horse battery";

    private sealed record Setup(DevHostStack Stack, TestSieveScripts Scripts, MailboxRecord Alice) : IAsyncDisposable
    {
        public int SmtpPort => int.Parse(Stack.Settings["Mail:Outbound:SmtpPort"]!, CultureInfo.InvariantCulture);

        public ValueTask DisposeAsync() => Stack.DisposeAsync();
    }

    private static async Task<Setup> StartAsync(string receiverIp)
    {
        var scripts = new TestSieveScripts();
        var stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.sieve.test",
            Settings = new Dictionary<string, string?>
            {
                ["Mail:Outbound:SmtpPort"] = DevHostStack.FreePort(),
                ["Mail:Outbound:AllowPrivateNetworks"] = "true", // the receiving server is on loopback
            },
            Services = s => s.AddSingleton<ISieveScriptSource>(scripts),
        });
        var directory = stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "sieve.test", null);
        var alice = await directory.CreateMailboxAsync("acme", MailAddress.Parse("alice@sieve.test"), Password, "Alice", 0);
        stack.Dns.AddMx("origin.test", 10, "mx.origin.test");
        stack.Dns.AddA("mx.origin.test", receiverIp);
        return new Setup(stack, scripts, alice);
    }

    private static async Task SendAsync(DevHostStack stack, string mailFrom, string message)
    {
        await using var wire = await SmtpWire.ConnectAsync(stack.Port("Smtp"));
        Assert.Equal(250, (await wire.CommandAsync("EHLO mx.origin.test")).Code);
        Assert.Equal(250, (await wire.CommandAsync($"MAIL FROM:<{mailFrom}>")).Code);
        Assert.Equal(250, (await wire.CommandAsync("RCPT TO:<alice@sieve.test>")).Code);
        Assert.Equal(354, (await wire.CommandAsync("DATA")).Code);
        await wire.SendAsync(message + ".\r\n");
        Assert.Equal(250, (await wire.ReadReplyAsync()).Code);
        await wire.CommandAsync("QUIT");
    }

    private static string Message(string from, string subject, string extra = "") =>
        $"From: <{from}>\r\nTo: <alice@sieve.test>\r\nSubject: {subject}\r\n{extra}Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@origin.test>\r\n\r\nHello Alice.\r\n";

    /// <summary>Waits until every hand-off was ingested and every outbound message relayed (both queues drained, in-flight ones included).</summary>
    private static async Task DrainAsync(DevHostStack stack)
    {
        var storage = stack.Get<MailStorage>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var inbound = (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            var outbound = (await storage.Outbound.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (inbound == 0 && outbound == 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"queues not drained: inbound {inbound}, outbound {outbound}");
            await Task.Delay(100);
        }
    }

    private static async Task<ImapClient> ImapAsync(DevHostStack stack)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", stack.Port("Imaps"), SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("alice@sieve.test", Password);
        return client;
    }

    [Fact]
    public async Task Fileinto_with_create_and_imap4flags_through_the_MX_are_visible_over_IMAP()
    {
        await using var setup = await StartAsync("127.0.0.81");
        setup.Scripts.Set(setup.Alice.MailboxId, """
            require ["fileinto", "mailbox", "imap4flags"];
            if address :domain "from" "origin.test" {
              addflag "$Partner";
              fileinto :create :flags ["\\Flagged", "$Partner"] "Partners/Origin";
            }
            """);
        await SendAsync(setup.Stack, "ann@origin.test", Message("ann@origin.test", "Quarterly figures"));
        await DrainAsync(setup.Stack);

        using var imap = await ImapAsync(setup.Stack);
        var folder = await imap.GetFolderAsync("Partners/Origin");
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var summary = Assert.Single(await folder.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.Envelope));
        Assert.Equal("Quarterly figures", summary.Envelope!.Subject);
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Flagged));
        Assert.Contains("$Partner", summary.Keywords!);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, imap.Inbox.Count);
        var subscribed = await imap.GetFoldersAsync(imap.PersonalNamespaces[0], StatusItems.None, true);
        Assert.Contains(subscribed, f => f.FullName == "Partners/Origin");
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task Reject_through_the_MX_returns_a_DSN_from_the_null_sender_to_the_remote_sender()
    {
        await using var setup = await StartAsync("127.0.0.82");
        await using var receiver = TestSmtpServer.Start("127.0.0.82", setup.SmtpPort);
        setup.Scripts.Set(setup.Alice.MailboxId, "require \"reject\";\nif header :contains \"subject\" \"offer\" { reject \"No offers, thank you.\"; }");
        await SendAsync(setup.Stack, "seller@origin.test", Message("seller@origin.test", "A special offer"));

        var dsn = Assert.Single(await receiver.WaitForMessagesAsync(1));
        Assert.Equal(("", "seller@origin.test"), (dsn.MailFrom, Assert.Single(dsn.Recipients)));
        Assert.Contains("multipart/report", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("5.7.1", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("No offers, thank you.", dsn.Text, StringComparison.Ordinal);
        await DrainAsync(setup.Stack);
        using var imap = await ImapAsync(setup.Stack);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, imap.Inbox.Count);
    }

    [Fact]
    public async Task A_vacation_reply_reaches_the_sender_once_per_period_and_never_for_a_list_or_bulk_message()
    {
        await using var setup = await StartAsync("127.0.0.83");
        await using var receiver = TestSmtpServer.Start("127.0.0.83", setup.SmtpPort);
        setup.Scripts.Set(setup.Alice.MailboxId, "require \"vacation\";\nvacation :days 7 :subject \"Out of office\" \"Back on Monday.\";");

        await SendAsync(setup.Stack, "ann@origin.test", Message("ann@origin.test", "First question"));
        await SendAsync(setup.Stack, "ann@origin.test", Message("ann@origin.test", "Second question"));
        await SendAsync(setup.Stack, "news@origin.test", Message("news@origin.test", "Newsletter", "List-Id: <news.origin.test>\r\n"));
        await SendAsync(setup.Stack, "shop@origin.test", Message("shop@origin.test", "Sale", "Precedence: bulk\r\n"));
        await DrainAsync(setup.Stack);

        var reply = Assert.Single(receiver.Messages);
        Assert.Equal(("", "ann@origin.test"), (reply.MailFrom, Assert.Single(reply.Recipients)));
        using var mime = MimeMessage.Load(new MemoryStream(reply.Data));
        Assert.Equal("Out of office", mime.Subject);
        Assert.StartsWith("auto-replied", mime.Headers[HeaderId.AutoSubmitted], StringComparison.Ordinal);
        Assert.NotNull(mime.InReplyTo);
        Assert.Contains("Back on Monday.", mime.TextBody, StringComparison.Ordinal);

        using var imap = await ImapAsync(setup.Stack);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(4, imap.Inbox.Count); // vacation keeps every message
    }
}

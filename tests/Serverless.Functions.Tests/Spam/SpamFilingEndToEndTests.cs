using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Spam;
using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Functions.Tests.Spam;

/// <summary>
/// The spam score through the whole local stack (MX listener, ingest, IMAP): a message above the
/// junk score is in the recipient's Junk with X-Spam-Status naming its tests, a clean one in INBOX,
/// an allow-listed sender's in INBOX whatever its content, and a message too large for the listener
/// to score whole is scored by the ingest and filed the same way.
/// </summary>
public sealed class SpamFilingEndToEndTests : IAsyncLifetime
{
    private const string Password = "pw-reader-1234";
    private DevHostStack _stack = null!;

    /// <summary>Our own classifier interface, answering by subject: "offer" is spam, anything else ham.</summary>
    private sealed class SubjectClassifier : IContentClassifier
    {
        public ValueTask<ContentVerdict> ClassifyAsync(string tenantId, string? mailboxId, MimeMessage message, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new ContentVerdict(message.Subject?.Contains("offer", StringComparison.Ordinal) == true ? 0.9995 : 0.001, 30, []));
    }

    public async Task InitializeAsync()
    {
        _stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.test",
            Settings = new Dictionary<string, string?> { ["Mail:DevHost:Queues:MaxPollingInterval"] = "00:00:00.250" },
            Services = services => services.AddSingleton<IContentClassifier, SubjectClassifier>(),
        });
        var directory = _stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "example.com", null);
        await directory.CreateMailboxAsync("acme", MailAddress.Parse("reader@example.com"), Password, null, 0);
        _stack.Dns.AddTxt("partner.test", "v=spf1 ip4:127.0.0.0/8 -all");
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private int Port(string name) => _stack.Port(name);

    private async Task SendAsync(string from, string subject, int bodyBytes = 0)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("reader@example.com"));
        message.Subject = subject;
        var text = new StringBuilder("Hello.\r\n");
        while (text.Length < bodyBytes)
        {
            text.Append(new string('y', 98)).Append("\r\n");
        }
        message.Body = new TextPart("plain") { Text = text.ToString() };
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", Port("Smtp"), SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    /// <summary>Waits until the folder holds a message with this subject; returns its header as IMAP serves it.</summary>
    private async Task<string> HeaderInAsync(string folderName, string subject)
    {
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", Port("Imaps"), SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("reader@example.com", Password);
        var folder = folderName == "INBOX" ? client.Inbox : await client.GetFolderAsync(folderName);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await folder.OpenAsync(FolderAccess.ReadOnly);
            var found = (await folder.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId)).FirstOrDefault(s => s.Envelope?.Subject == subject);
            if (found is not null)
            {
                using var stream = await folder.GetStreamAsync(found.UniqueId, "HEADER");
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return await reader.ReadToEndAsync();
            }
            Assert.True(DateTime.UtcNow < deadline, $"'{subject}' did not arrive in {folderName}");
            await folder.CloseAsync();
            await Task.Delay(200);
        }
    }

    /// <summary>X-Spam-Status (unfolded) says Yes/No with the score and threshold, and names the tests.</summary>
    private static void AssertStatus(string header, string spam, params string[] tests)
    {
        var unfolded = header.Replace("\r\n\t", "", StringComparison.Ordinal);
        var status = unfolded.Split("\r\n").Single(l => l.StartsWith("X-Spam-Status:", StringComparison.Ordinal));
        Assert.Matches($@"^X-Spam-Status: {spam}, score=-?\d+\.\d required=5\.0 tests=[A-Z0-9_,]+$", status);
        Assert.All(tests, t => Assert.Contains(t, status.Split("tests=")[1].Split(',')));
        Assert.Single(unfolded.Split("\r\n"), l => l.StartsWith("X-Spam-Score:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_above_the_junk_score_lands_in_junk_naming_its_tests_and_a_clean_one_in_the_inbox()
    {
        await SendAsync("shop@remote.example", "special offer");
        var junk = await HeaderInAsync("Junk", "special offer");
        AssertStatus(junk, "Yes", "BAYES_999", "RDNS_NONE"); // (and HELO_BARE: MailKit says EHLO with the machine's short name)

        await SendAsync("friend@remote.example", "lunch?");
        var inbox = await HeaderInAsync("INBOX", "lunch?");
        AssertStatus(inbox, "No", "BAYES_00");
    }

    [Fact]
    public async Task An_allow_listed_senders_offer_stays_in_the_inbox()
    {
        await _stack.Get<SpamSettingsStore>().WriteAsync("acme", new SpamSettings(null, null, ["partner.test"], []), default);
        await SendAsync("deals@partner.test", "partner offer");
        var header = await HeaderInAsync("INBOX", "partner offer");
        Assert.Contains("X-Spam-Status: No,", header, StringComparison.Ordinal); // the score is shown, the list decides
        Assert.Contains("BAYES_999", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_too_large_for_the_listener_is_scored_by_the_ingest_and_filed_into_junk()
    {
        await SendAsync("shop@remote.example", "huge offer", bodyBytes: 1_200_000);
        var header = await HeaderInAsync("Junk", "huge offer");
        Assert.StartsWith("Authentication-Results: mail.test;", header, StringComparison.Ordinal);
        AssertStatus(header, "Yes", "BAYES_999", "RDNS_NONE");
    }
}

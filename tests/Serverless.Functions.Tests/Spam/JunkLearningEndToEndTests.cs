using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Serverless.Mail.Accounts;
using Serverless.Mail.Spam;
using Serverless.Mail.Spam.Bayes;
using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Functions.Tests.Spam;

/// <summary>
/// Issue 18's loop through the whole local stack with the real content classifier: a user moves a
/// message into Junk over IMAP (MailKit), the spam-learning queue's function learns it, and the next
/// similar message from the MX is filed into Junk by its score; <c>$NotJunk</c> on it takes that
/// back and the next one is in INBOX again. The tenant's junk score is 4: on loopback a message
/// also gets the connection's small scores (no reverse DNS), and the content band decides the rest.
/// </summary>
public sealed class JunkLearningEndToEndTests : IAsyncLifetime
{
    private const string Password = "pw-reader-1234";
    private const string Pitch = "Cheap replica watches and miracle pills, limited offer, click now to claim your prize winnings today";
    private DevHostStack _stack = null!;
    private MailboxRecord _mailbox = null!;

    public async Task InitializeAsync()
    {
        _stack = await DevHostStack.StartAsync(new DevHostStackOptions
        {
            HostName = "mail.test",
            Settings = new Dictionary<string, string?> { ["Mail:DevHost:Queues:MaxPollingInterval"] = "00:00:00.250" },
        });
        var directory = _stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "example.com", null);
        _mailbox = await directory.CreateMailboxAsync("acme", MailAddress.Parse("reader@example.com"), Password, null, 0);
        await _stack.Get<SpamSettingsStore>().WriteAsync("acme", SpamSettings.Default with { JunkScore = 4 }, default);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private int Port(string name) => _stack.Port(name);

    private async Task SendAsync(string subject, string body)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("promo@sender.test"));
        message.To.Add(MailboxAddress.Parse("reader@example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", Port("Smtp"), SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    private async Task<ImapClient> ImapAsync()
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", Port("Imaps"), SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("reader@example.com", Password);
        return client;
    }

    /// <summary>Waits until the message arrives (in either folder) and says which folder it is in, with its UID there.</summary>
    private static async Task<(string Folder, UniqueId Uid)> WhereAsync(ImapClient client, string subject)
    {
        var junk = await client.GetFolderAsync("Junk");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            foreach (var folder in new[] { client.Inbox, junk })
            {
                await folder.OpenAsync(FolderAccess.ReadWrite);
                var found = (await folder.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId)).FirstOrDefault(s => s.Envelope?.Subject == subject);
                if (found is not null)
                {
                    return (folder.FullName, found.UniqueId);
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"'{subject}' did not arrive");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits until the mailbox's model holds this many messages of each kind (the learning function ran).</summary>
    private async Task LearntAsync(int spam, int ham)
    {
        var models = _stack.Get<TokenModelStore>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await models.GetAsync("acme", _mailbox.MailboxId, default) is not { } model || model.SpamMessages != spam || model.HamMessages != ham)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the mailbox's model did not reach {spam} spam / {ham} ham");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_message_moved_to_Junk_sends_the_next_similar_one_there_and_NotJunk_takes_it_back()
    {
        using var client = await ImapAsync();

        // Nothing learnt yet: the first one is in INBOX.
        await SendAsync("Offer one", Pitch + " (1)");
        var (folder, uid) = await WhereAsync(client, "Offer one");
        Assert.Equal("INBOX", folder);

        // The user moves it to Junk; the learning function counts it as spam.
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.MoveToAsync(uid, await client.GetFolderAsync("Junk"));
        await LearntAsync(spam: 1, ham: 0);

        // The next similar message is filed into Junk by the MX's score.
        await SendAsync("Offer two", Pitch + " (2)");
        (folder, uid) = await WhereAsync(client, "Offer two");
        Assert.Equal("Junk", folder);

        // Not junk after all: $NotJunk on it moves the counts, and the next one is in INBOX again.
        var junk = await client.GetFolderAsync("Junk");
        await junk.OpenAsync(FolderAccess.ReadWrite);
        await junk.AddFlagsAsync(uid, MessageFlags.None, new HashSet<string> { "$NotJunk" }, true);
        await LearntAsync(spam: 1, ham: 1);
        await SendAsync("Offer three", Pitch + " (3)");
        (folder, _) = await WhereAsync(client, "Offer three");
        Assert.Equal("INBOX", folder);
        await client.DisconnectAsync(true);
    }
}

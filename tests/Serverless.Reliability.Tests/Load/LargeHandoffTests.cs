using Azure.Storage.Blobs.Models;
using Serverless.Mail.Accounts;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;

namespace Serverless.Reliability.Tests.Load;

/// <summary>
/// A hand-off too large for one queue message (64 KiB) — hundreds of recipients with long UTF-8
/// addresses, each escaped six bytes a character in JSON — is spilled to a blob with a pointer on
/// the queue, instead of failing every time with 451: the MX answers 250 and the ingest files it.
/// </summary>
public sealed class LargeHandoffTests : IAsyncLifetime
{
    private const int Recipients = 400;

    /// <summary>60 octets of UTF-8, 172 bytes of escaped JSON.</summary>
    private static readonly string LongLocalPart = string.Concat(Enumerable.Repeat("äöüß", 7));
    private MailStack _stack = null!;

    public async Task InitializeAsync() => _stack = await MailStack.StartAsync(new Dictionary<string, string?> { ["Mail:Smtp:MaxRecipients"] = Recipients.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_transaction_with_hundreds_of_long_utf8_recipients_is_accepted_and_every_mailbox_gets_it_once()
    {
        // A catch-all fans every made-up address out to three mailboxes.
        await _stack.Get<MailDirectory>().CreateAliasAsync("acme", "acme.test", null, ["alice@acme.test", "bob@acme.test", "carol@acme.test"]);
        await using var sender = await SmtpSender.ConnectAsync(_stack.SmtpPort);
        var wire = sender.Wire;
        Assert.Equal(250, (await wire.SmtpAsync("MAIL FROM:<sender@client.reliability.test> SMTPUTF8"))?.Code);
        for (var i = 0; i < Recipients; i++)
        {
            var rcpt = await wire.SmtpAsync($"RCPT TO:<{LongLocalPart}-{i:D3}@acme.test>");
            Assert.True(rcpt?.Code == 250, $"recipient {i}: {rcpt}");
        }
        Assert.Equal(354, (await wire.SmtpAsync("DATA"))?.Code);
        var messageId = Guid.NewGuid() + "@client.reliability.test";
        await wire.SendAsync(SmtpSender.Stuff(SmtpSender.Message(messageId, "many recipients", "undisclosed-recipients:;")) + ".\r\n");
        var reply = await wire.SmtpReplyAsync();
        Assert.True(reply?.Code == 250, $"final dot: {reply}");

        foreach (var mailbox in new[] { "alice@acme.test", "bob@acme.test", "carol@acme.test" })
        {
            var messages = await Poll.UntilAsync(() => _stack.MessagesAsync(mailbox), m => m.Count > 0, TimeSpan.FromSeconds(60));
            Assert.Single(messages);
            Assert.Equal("<" + messageId + ">", messages[0].Summary?.Envelope.MessageId);
        }
        // The spill blob is deleted once the hand-off is filed.
        var container = _stack.Get<MailStorage>().Messages;
        var left = await Poll.UntilAsync(async () =>
        {
            var names = new List<string>();
            await foreach (var b in container.GetBlobsAsync(new GetBlobsOptions { Prefix = MailQueues.SpillPrefix }))
            {
                names.Add(b.Name);
            }
            return names;
        }, n => n.Count == 0, TimeSpan.FromSeconds(30));
        Assert.Empty(left);
        // Nothing arrives twice later on either.
        Assert.Single(await _stack.MessagesAsync("alice@acme.test"));
    }
}

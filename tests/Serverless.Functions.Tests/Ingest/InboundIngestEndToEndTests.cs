using System.Text;
using Serverless.Functions.Queues;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Functions.Tests.Ingest;

/// <summary>
/// The local stack in one process (dev host: listeners + queue-triggered functions): mail sent to
/// the MX port is filed by the ingest function into the recipient's index.
/// </summary>
public sealed class InboundIngestEndToEndTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private DevHostStack _stack = null!;
    private MailboxRecord _user = null!;
    private MailboxRecord _other = null!;

    public async Task InitializeAsync()
    {
        // DevHostStack chooses free ports and starts again on others if one was taken meanwhile.
        _stack = await DevHostStack.StartAsync(new DevHostStackOptions { HostName = "mail.test" });
        var directory = _stack.Get<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "example.com", null);
        _user = await directory.CreateMailboxAsync("acme", MailAddress.Parse("user@example.com"), "pw-user-1234", null, 0);
        _other = await directory.CreateMailboxAsync("acme", MailAddress.Parse("other@example.com"), "pw-other-1234", null, 0);
        await directory.CreateAliasAsync("acme", "example.com", "team", ["user@example.com", "other@example.com"]);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Mail_sent_to_the_mx_port_is_filed_with_a_byte_identical_body()
    {
        var body = "From: sender@remote.example\r\nTo: user@example.com\r\nSubject: end to end\r\n\r\nfirst line\r\n.leading dot\r\nÜmlaut\r\n";
        await SendAsync("user@example.com", body);
        var filed = await WaitForMessagesAsync(_user, 1);
        var message = Assert.Single(filed);
        Assert.Equal("end to end", message.Summary!.Envelope.Subject);
        Assert.True(message.Inline); // a small MX message rides in its hand-off and is kept in its row: no blob
        var blob = await StoredAsync(message, _user);
        Assert.Equal(message.Size, blob.Length);
        Assert.EndsWith(body, Encoding.UTF8.GetString(blob), StringComparison.Ordinal);
        Assert.StartsWith("Authentication-Results: mail.test;", Encoding.UTF8.GetString(blob), StringComparison.Ordinal);
        // The summary's offsets address the stored bytes.
        Assert.Equal("first line\r\n.leading dot\r\nÜmlaut\r\n", Encoding.UTF8.GetString(blob[(int)message.Summary.Body.BodyOffset..(int)message.Summary.Body.EndOffset]));
    }

    [Fact]
    public async Task An_alias_with_two_targets_delivers_one_copy_to_each()
    {
        await SendAsync("team@example.com", "Subject: for the team\r\n\r\nhi all\r\n");
        var mine = Assert.Single(await WaitForMessagesAsync(_user, 1));
        var theirs = Assert.Single(await WaitForMessagesAsync(_other, 1));
        Assert.Equal(mine.BlobName, theirs.BlobName); // one message identity (EMAILID)
        // Small: each row holds its own copy of the bytes, nothing shared, no blob holders.
        Assert.True(mine.Inline && theirs.Inline);
        Assert.False(mine.SharedBlob || theirs.SharedBlob);
        Assert.Equal(await StoredAsync(mine, _user), await StoredAsync(theirs, _other));
    }

    [Fact]
    public async Task A_hand_off_processed_twice_yields_one_message()
    {
        var store = _stack.Get<MessageStore>();
        var raw = Encoding.UTF8.GetBytes("Subject: twice\r\n\r\nbody\r\n");
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = store.CreateWriter(blob))
        {
            await writer.WriteAsync(raw);
            await writer.CommitAsync();
        }
        var json = System.Text.Json.JsonSerializer.Serialize(new InboundHandoff
        {
            Id = Guid.NewGuid().ToString("N"),
            BlobName = blob,
            Size = raw.Length,
            MailFrom = "sender@remote.example",
            Recipients = [new HandoffRecipient { Address = "other@example.com" }],
            ReceivedAt = DateTimeOffset.UtcNow,
            Via = "submission",
        }, MailQueues.Json);
        var function = new InboundIngestFunction(_stack.Get<InboundIngest>());
        await function.Run(json, CancellationToken.None);
        await function.Run(json, CancellationToken.None);
        Assert.Single(await WaitForMessagesAsync(_other, 1));
        await Task.Delay(200);
        Assert.Single(await MessagesAsync(_other));
    }

    [Fact]
    public async Task A_backlog_is_drained_in_batches_and_each_message_is_filed_once()
    {
        // 40 hand-offs for one mailbox, 8 of them queued twice (redeliveries), all becoming
        // visible at the same moment: a backlog, as after an outage or a burst.
        var store = _stack.Get<MessageStore>();
        var storage = _stack.Get<MailStorage>();
        var meter = _stack.Get<StorageRequestMeter>();
        var handoffs = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var raw = Encoding.UTF8.GetBytes($"Subject: backlog {i}\r\nMessage-ID: <backlog-{i}@remote.example>\r\n\r\nbody {i}\r\n");
            var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
            await using (var writer = store.CreateWriter(blob))
            {
                await writer.WriteAsync(raw);
                await writer.CommitAsync();
            }
            var (summary, parsed) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(raw));
            parsed.Dispose();
            handoffs.Add(System.Text.Json.JsonSerializer.Serialize(new InboundHandoff
            {
                Id = Guid.NewGuid().ToString("N"),
                BlobName = blob,
                Size = raw.Length,
                MailFrom = "sender@remote.example",
                Recipients = [new HandoffRecipient { Address = "user@example.com" }],
                ReceivedAt = DateTimeOffset.UtcNow,
                Via = "submission",
                Summary = summary,
            }, MailQueues.Json));
        }
        var batches = Batches(meter);
        var visibleIn = TimeSpan.FromSeconds(3);
        await Task.WhenAll(handoffs.Concat(handoffs.Take(8)).Select(json => storage.Inbound.SendMessageAsync(json, visibilityTimeout: visibleIn)));

        var filed = await WaitForMessagesAsync(_user, 40);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await Task.Delay(300);
        filed = await MessagesAsync(_user);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"backlog {i}").Order(StringComparer.Ordinal),
            filed.Select(m => m.Summary!.Envelope.Subject!).Order(StringComparer.Ordinal));
        var transactions = Batches(meter) - batches;
        output.WriteLine($"48 hand-offs (40 distinct) filed with {transactions} index transactions");
        // Filed one by one it would take at least 48: one per message and one refused per redelivery
        // (its dedupe row exists). How many share depends on how the ingests' arrivals overlap.
        Assert.True(transactions < 48, $"{transactions} transactions for 48 hand-offs: the batch's appends did not share transactions");
    }

    private static long Batches(StorageRequestMeter meter) =>
        meter.DetailedSnapshot().Where(kv => kv.Key.Service == "table" && kv.Key.Resource == "$batch").Sum(kv => kv.Value.Requests);

    [Fact]
    public async Task Storage_transactions_per_message_stay_low_under_load()
    {
        await SendAsync("user@example.com", "Subject: warm-up\r\n\r\nx\r\n");
        await WaitForMessagesAsync(_user, 1);
        var meter = _stack.Get<StorageRequestMeter>();
        var before = meter.Snapshot();
        const int connections = 4;
        const int perConnection = 10;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < perConnection; i++)
            {
                await SendAsync("user@example.com", $"Subject: load {c}-{i}\r\n\r\nbody\r\n");
            }
        })));
        await WaitForMessagesAsync(_user, 1 + (connections * perConnection));
        var storage = _stack.Get<MailStorage>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var after = meter.Snapshot();
        var delta = after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key)).Where(kv => kv.Value > 0).ToList();
        var total = delta.Sum(kv => kv.Value);
        var perMessage = (double)total / (connections * perConnection);
        foreach (var (key, n) in delta.OrderBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2))
        {
            output.WriteLine($"{key.Item1} {key.Item2}: {n}");
        }
        output.WriteLine($"total {total} requests for {connections * perConnection} messages = {perMessage:0.00} per message (idle polls of every queue included)");
        Assert.True(perMessage <= 5, $"{perMessage:0.00} storage requests per message");
    }

    private async Task SendAsync(string rcpt, string body)
    {
        await using var wire = await Wire.ConnectAsync(_stack.Port("Smtp"));
        async Task<string> Reply() => (await wire.SmtpReplyAsync() ?? throw new EndOfStreamException()).Last;
        async Task<string> Command(string text) => (await wire.SmtpAsync(text) ?? throw new EndOfStreamException()).Last;
        Assert.StartsWith("220", await Reply(), StringComparison.Ordinal);
        Assert.StartsWith("250", await Command("EHLO client.test"), StringComparison.Ordinal);
        Assert.StartsWith("250", await Command("MAIL FROM:<sender@remote.example> BODY=8BITMIME"), StringComparison.Ordinal);
        Assert.StartsWith("250", await Command("RCPT TO:<" + rcpt + ">"), StringComparison.Ordinal);
        Assert.StartsWith("354", await Command("DATA"), StringComparison.Ordinal);
        var stuffed = body.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        Assert.StartsWith("250", await Command(stuffed + "."), StringComparison.Ordinal);
        await Command("QUIT");
    }

    private async Task<List<IndexedMessage>> WaitForMessagesAsync(MailboxRecord mailbox, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await MessagesAsync(mailbox);
            if (list.Count >= count || DateTime.UtcNow > deadline)
            {
                return list;
            }
            await Task.Delay(100);
        }
    }

    private async Task<List<IndexedMessage>> MessagesAsync(MailboxRecord mailbox)
    {
        var list = new List<IndexedMessage>();
        await foreach (var m in _stack.Get<MailboxIndex>().ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId))
        {
            list.Add(m);
        }
        return list;
    }

    /// <summary>A filed message's bytes, from its blob or its row.</summary>
    private async Task<byte[]> StoredAsync(IndexedMessage message, MailboxRecord mailbox)
    {
        await using var s = await _stack.Get<MessageStore>().OpenReadAsync(message.Source(mailbox.MailboxId, SpecialUse.InboxId));
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        return copy.ToArray();
    }
}

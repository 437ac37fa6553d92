using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;

namespace Serverless.Reliability.Tests.Faults;

/// <summary>
/// Hand-offs that can never be ingested as they are — one whose spool blob is corrupt (a page blob
/// where a block blob must be, so the ingest's storage calls on it fail every time) and one whose
/// JSON is cut off — end in the poison queue after maxDequeueCount attempts while other mail keeps
/// flowing. An operator lists them through the API (admin key only) and, once the blob is
/// repaired, replays the first: it is filed exactly once.
/// </summary>
public sealed class PoisonHandoffTests
{
    [Fact]
    public async Task Poison_hand_offs_go_to_the_poison_queue_mail_keeps_flowing_and_an_operator_lists_and_replays_them()
    {
        await using var stack = await MailStack.StartAsync();
        var storage = stack.Get<MailStorage>();

        // 1. A hand-off from the MX whose spool blob is corrupt.
        var first = await CorruptHandoffAsync(storage);
        var (id, blobName) = (first.Id, first.BlobName);
        await stack.Get<MailQueues>().SendInboundAsync(first);
        // 2. A hand-off cut off in the middle.
        await storage.Inbound.SendMessageAsync("{\"v\":1,\"id\":\"cut-off\",\"blob\":\"2026/", timeToLive: TimeSpan.FromSeconds(-1));

        // Meanwhile ordinary mail is filed as usual.
        await using (var sender = await SmtpSender.ConnectAsync(stack.SmtpPort))
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(250, (await sender.SendAsync("sender@client.reliability.test", ["bob@acme.test"], SmtpSender.Message($"flow-{i}@x", $"flow {i}", "bob@acme.test")))?.Code);
            }
        }
        Assert.Equal(5, (await Poll.UntilAsync(() => stack.MessagesAsync("bob@acme.test"), l => l.Count >= 5, TimeSpan.FromSeconds(30))).Count);
        await Poll.UntilAsync(async () => (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n >= 2, TimeSpan.FromSeconds(60), 200);
        // A poisoned message is put on the poison queue first and then deleted from its queue (never
        // lost in between), so the second step may still be under way when the first shows.
        Assert.Equal(0, await Poll.UntilAsync(async () => (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(10), 100));
        Assert.Empty(await stack.MessagesAsync("alice@acme.test"));

        // The operator's view: admin only.
        using var admin = stack.Api(MailStack.AdminKey);
        using var tenant = stack.Api(stack.AcmeKey);
        using var anonymous = stack.Api(null);
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.GetAsync("queues/inbound/poison")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("queues/inbound/poison")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("queues/directory/poison")).StatusCode);
        var listing = await admin.GetAsync("queues/inbound/poison");
        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        using var page = JsonDocument.Parse(await listing.Content.ReadAsStringAsync());
        Assert.Equal(2, page.RootElement.GetProperty("approximateCount").GetInt32());
        var items = page.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        var corrupt = items.Single(i => i.GetProperty("body").GetString()!.Contains(id, StringComparison.Ordinal));
        Assert.Contains(items, i => i.GetProperty("body").GetString()!.Contains("cut-off", StringComparison.Ordinal));

        // A tenant cannot replay; an unknown id is 404.
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.PostAsync($"queues/inbound/poison/{corrupt.GetProperty("id").GetString()}/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("queues/inbound/poison/no-such-id/replay", null)).StatusCode);

        // The operator restores the blob (e.g. from a backup) and replays the hand-off: filed once.
        await storage.Messages.GetBlobClient(blobName).DeleteAsync();
        var raw = Encoding.UTF8.GetBytes("Message-ID: <repaired@x>\r\nSubject: repaired\r\n\r\nbody\r\n");
        await storage.Messages.GetBlockBlobClient(blobName).UploadAsync(new MemoryStream(raw));
        var replay = await admin.PostAsync($"queues/inbound/poison/{corrupt.GetProperty("id").GetString()}/replay", null);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var filed = await Poll.UntilAsync(() => stack.MessagesAsync("alice@acme.test"), l => l.Count >= 1, TimeSpan.FromSeconds(30));
        Assert.Equal("<repaired@x>", Assert.Single(filed).Summary?.Envelope.MessageId);
        Assert.Equal(1, (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // Replaying it again (a second operator, a retried click) finds nothing: the message left the poison queue.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"queues/inbound/poison/{corrupt.GetProperty("id").GetString()}/replay", null)).StatusCode);

        // The operations are in the OpenAPI document.
        var openApi = await anonymous.GetStringAsync("openapi.json");
        Assert.Contains("\"/queues/{queue}/poison\"", openApi, StringComparison.Ordinal);
        Assert.Contains("\"/queues/{queue}/poison/{id}/replay\"", openApi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_hand_off_in_a_group_is_poisoned_alone_while_the_others_are_filed_and_an_operator_replays_it_alone()
    {
        await using var stack = await MailStack.StartAsync();
        var storage = stack.Get<MailStorage>();
        var corrupt = await CorruptHandoffAsync(storage);
        var corruptBlob = corrupt.BlobName;
        var goodRaw = Encoding.UTF8.GetBytes("Message-ID: <grouped-good@x>\r\nSubject: good\r\n\r\nbody\r\n");
        var goodBlob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await storage.Messages.GetBlockBlobClient(goodBlob).UploadAsync(new MemoryStream(goodRaw));
        var good = corrupt with { Id = Guid.NewGuid().ToString("N"), BlobName = goodBlob, Size = goodRaw.Length, Recipients = [new HandoffRecipient { Address = "bob@acme.test" }] };
        // One queue message carrying both, as two SMTP sessions finishing together put it.
        await storage.Inbound.SendMessageAsync(MailQueues.GroupJson([MailQueues.Serialize(good), MailQueues.Serialize(corrupt)]), timeToLive: TimeSpan.FromSeconds(-1));

        Assert.Equal("<grouped-good@x>", Assert.Single(await Poll.UntilAsync(() => stack.MessagesAsync("bob@acme.test"), l => l.Count >= 1, TimeSpan.FromSeconds(30))).Summary?.Envelope.MessageId);
        await Poll.UntilAsync(async () => (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n >= 1, TimeSpan.FromSeconds(60), 200);
        Assert.Equal(0, await Poll.UntilAsync(async () => (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(10), 100));
        Assert.Empty(await stack.MessagesAsync("alice@acme.test"));

        // The poison queue holds the bad hand-off alone, in the single format: the good one is not replayed with it.
        using var admin = stack.Api(MailStack.AdminKey);
        using var page = JsonDocument.Parse(await admin.GetStringAsync("queues/inbound/poison"));
        var item = Assert.Single(page.RootElement.GetProperty("items").EnumerateArray());
        var body = item.GetProperty("body").GetString()!;
        Assert.Null(MailQueues.GroupOf(body));
        Assert.Equal(corrupt.Id, MailQueues.ParseInbound(body).Id);

        await storage.Messages.GetBlobClient(corruptBlob).DeleteAsync();
        var raw = Encoding.UTF8.GetBytes("Message-ID: <grouped-repaired@x>\r\nSubject: repaired\r\n\r\nbody\r\n");
        await storage.Messages.GetBlockBlobClient(corruptBlob).UploadAsync(new MemoryStream(raw));
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"queues/inbound/poison/{item.GetProperty("id").GetString()}/replay", null)).StatusCode);
        Assert.Equal("<grouped-repaired@x>", Assert.Single(await Poll.UntilAsync(() => stack.MessagesAsync("alice@acme.test"), l => l.Count >= 1, TimeSpan.FromSeconds(30))).Summary?.Envelope.MessageId);
        Assert.Single(await stack.MessagesAsync("bob@acme.test"));
    }

    [Fact]
    public async Task A_compressed_carried_hand_off_poisoned_by_an_ingest_that_could_not_read_it_is_replayed_and_filed_byte_for_byte_once()
    {
        await using var stack = await MailStack.StartAsync();
        var storage = stack.Get<MailStorage>();
        // A small MX message carried compressed (version 3), as an ingest that reads only version 2 would
        // have left it: refused every time, then moved whole to the poison queue (docs/storage.md, rolling upgrade).
        var content = Encoding.ASCII.GetBytes("Message-ID: <carried-replayed@x>\r\nSubject: carried, replayed\r\n\r\n"
            + string.Concat(Enumerable.Repeat("A line of text that compresses.\r\n", 60)));
        var (summary, parsed) = await Serverless.Mail.Index.MessageSummaryBuilder.BuildAsync(new MemoryStream(content));
        parsed.Dispose();
        var handoff = new InboundHandoff
        {
            Version = InboundHandoff.CompressedContentVersion,
            Id = Guid.NewGuid().ToString("N"),
            BlobName = MessageStore.NewBlobName(DateTimeOffset.UtcNow),
            Size = content.Length,
            MailFrom = "sender@client.reliability.test",
            Recipients = [new HandoffRecipient { Address = "alice@acme.test" }],
            ReceivedAt = DateTimeOffset.UtcNow,
            Via = "mx",
            ClientIp = "192.0.2.1",
            Summary = summary with { RawHeader = null },
            CompressedContent = MailQueues.CompressIfSmaller(content),
        };
        Assert.NotNull(handoff.CompressedContent);
        var json = Encoding.UTF8.GetString(MailQueues.Serialize(handoff));
        await storage.InboundPoison.SendMessageAsync(json, timeToLive: TimeSpan.FromSeconds(-1));
        // And one from a version this ingest does not know: poisoned, nothing filed from it.
        await storage.Inbound.SendMessageAsync(json.Replace("\"v\":3", "\"v\":4", StringComparison.Ordinal), timeToLive: TimeSpan.FromSeconds(-1));
        await Poll.UntilAsync(async () => (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n >= 2, TimeSpan.FromSeconds(60), 200);
        Assert.Empty(await stack.MessagesAsync("alice@acme.test"));

        using var admin = stack.Api(MailStack.AdminKey);
        using var page = JsonDocument.Parse(await admin.GetStringAsync("queues/inbound/poison"));
        var item = page.RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("body").GetString()!.Contains("\"v\":3", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"queues/inbound/poison/{item.GetProperty("id").GetString()}/replay", null)).StatusCode);
        var filed = Assert.Single(await Poll.UntilAsync(() => stack.MessagesAsync("alice@acme.test"), l => l.Count >= 1, TimeSpan.FromSeconds(30)));
        Assert.Equal("<carried-replayed@x>", filed.Summary?.Envelope.MessageId);
        Assert.Equal(content.Length, filed.Size);
        Assert.True(filed.Inline);
        Assert.Equal(content, await stack.Get<MessageStore>().ReadRowAsync(filed.Source(stack.Mailbox("alice@acme.test").MailboxId, Serverless.Mail.Index.SpecialUse.InboxId)));
        Assert.Equal(1, (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount); // the version 4 one stays
    }

    /// <summary>A hand-off from the MX to alice whose spool blob is corrupt (a page blob of zeros: no message to parse).</summary>
    private static async Task<InboundHandoff> CorruptHandoffAsync(MailStorage storage)
    {
        var blobName = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await storage.Messages.GetPageBlobClient(blobName).CreateAsync(1024);
        return new InboundHandoff
        {
            Id = Guid.NewGuid().ToString("N"),
            BlobName = blobName,
            Size = 1024,
            MailFrom = "sender@client.reliability.test",
            Recipients = [new HandoffRecipient { Address = "alice@acme.test" }],
            ReceivedAt = DateTimeOffset.UtcNow,
            Via = "mx",
            ClientIp = "192.0.2.1",
        };
    }
}

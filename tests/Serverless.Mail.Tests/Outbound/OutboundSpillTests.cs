using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Queues;
using Xunit;

namespace Serverless.Mail.Tests.Outbound;

/// <summary>An outbound message too large for one queue message travels as a spilled blob, through retries too.</summary>
public sealed class OutboundSpillTests
{
    private static readonly string LongLocalPart = string.Concat(Enumerable.Repeat("äöüß", 7));

    [Fact]
    public async Task Hundreds_of_long_utf8_recipients_are_spilled_to_a_blob_retried_and_each_delivered_once()
    {
        await using var f = await RelayFixture.StartAsync();
        f.Dns.AddMx("far.test", 10, "mx.far.test");
        f.Dns.AddA("mx.far.test", "127.0.0.22");
        // The first transaction is refused for now, so the retry goes through the queue (and a spill) again.
        var transactions = 0;
        await using var far = f.Smtp("127.0.0.22", s => s.DataReply = _ => Interlocked.Increment(ref transactions) == 1 ? "451 4.3.0 Try again later" : null);
        var rcpts = Enumerable.Range(0, 400).Select(i => $"{LongLocalPart}-{i:D3}@far.test").ToList();
        var message = await f.SubmitAsync(DeliveryFixture.Message(RelayFixture.Sender, rcpts[0]), RelayFixture.Sender, rcpts, m => m with { SmtpUtf8 = true });
        Assert.True(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(message, MailQueues.Json).Length > MailQueues.MaxMessageJsonBytes);
        var queued = (await f.Storage.Outbound.PeekMessagesAsync(1)).Value.Single().Body.ToString();
        Assert.NotNull(MailQueues.SpillOf(queued));

        await f.DrainAsync();

        var delivered = far.Messages.SelectMany(m => m.Recipients).ToList();
        Assert.Equal(rcpts.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
        var state = await f.StateAsync(message.Id);
        Assert.True(state!.Done);
        var spills = new List<string>();
        await foreach (var b in f.Storage.Messages.GetBlobsAsync(new GetBlobsOptions { Prefix = MailQueues.SpillPrefix }))
        {
            spills.Add(b.Name);
        }
        Assert.Empty(spills);

        // A pointer redelivered after its blob was deleted is a copy already handled.
        await f.Relay.RelayAsync(queued);
        Assert.Equal(rcpts.Count, far.Messages.SelectMany(m => m.Recipients).Count());
    }

    [Fact]
    public async Task Spill_blobs_nobody_took_are_pruned_by_age()
    {
        await using var f = await RelayFixture.StartAsync();
        var queues = f.Services.GetRequiredService<MailQueues>();
        var big = new InboundHandoff
        {
            Id = "big",
            BlobName = "2026/12/03/x.eml",
            MailFrom = "",
            Recipients = Enumerable.Range(0, 400).Select(i => new HandoffRecipient { Address = $"{LongLocalPart}-{i:D3}@far.test" }).ToList(),
        };
        await queues.SendInboundAsync(big);
        var pointer = (await f.Storage.Inbound.PeekMessagesAsync(1)).Value.Single().Body.ToString();
        var read = await queues.ReadInboundAsync(pointer);
        Assert.Equal(400, read!.Message.Recipients.Count);
        Assert.Equal(0, await queues.PruneSpillsAsync(DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Equal(1, await queues.PruneSpillsAsync(DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.Null(await queues.ReadInboundAsync(pointer));
    }
}

using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Delivery;
using Serverless.Mail.Queues;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

/// <summary>
/// The ingest of hand-offs that carry their message (a small MX message: no blob, docs/storage.md
/// "Inbound mail in its hand-off"): the bytes go into each mailbox's row, grouped hand-offs carry
/// them member by member, a recipient forwarding outside gets a blob written after all, and what
/// cannot be filed gets a DSN built from the carried bytes.
/// </summary>
public sealed class CarriedHandoffIngestTests : IAsyncLifetime
{
    private IngestFixture _f = null!;

    public async Task InitializeAsync() => _f = await IngestFixture.StartAsync(new Dictionary<string, string?>
    {
        ["Mail:Queues:GroupInboundHandoffs"] = "true",
        ["Mail:Delivery:GroupRetryDelay"] = "00:00:00",
    });

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private MailQueues Queues => _f.Services.GetRequiredService<MailQueues>();

    private async Task<int> BlobCountAsync()
    {
        var n = 0;
        await foreach (var _ in _f.Storage.Messages.GetBlobsAsync())
        {
            n++;
        }
        return n;
    }

    [Fact]
    public async Task Carried_hand_offs_grouped_in_one_queue_message_are_each_kept_in_their_rows_exactly_once()
    {
        var handoffs = new List<InboundHandoff>();
        for (var i = 0; i < 3; i++)
        {
            handoffs.Add(await _f.CarriedHandoffAsync(IngestFixture.Message($"carried {i}"), [IngestFixture.To(_f.User), IngestFixture.To(_f.Other)]));
        }
        Assert.Equal(0, await BlobCountAsync());
        var message = await SendGroupedAsync(handoffs);
        Assert.Equal(3, MailQueues.GroupOf(message)!.Count);

        Assert.Equal(new IngestResult(6, 0, 0, 0), await _f.Ingest.IngestAsync(message));
        Assert.Equal(new IngestResult(0, 6, 0, 0), await _f.Ingest.IngestAsync(message)); // redelivered
        foreach (var mailbox in new[] { _f.User, _f.Other })
        {
            var rows = await _f.MessagesAsync(mailbox);
            Assert.Equal(3, rows.Count);
            Assert.All(rows, r => Assert.True(r.Inline && !r.SharedBlob && r.HolderId is null));
            // The summary's raw header came back from the bytes, as the listener had it.
            Assert.All(rows, r => Assert.StartsWith("From: sender@remote.example\r\n", r.Summary!.RawHeader, StringComparison.Ordinal));
            var first = rows.Single(r => r.Summary!.Envelope.Subject == "carried 0");
            var bytes = await _f.Store.ReadRowAsync(first.Source(mailbox.MailboxId, Serverless.Mail.Index.SpecialUse.InboxId));
            Assert.Equal(handoffs[0].Content, bytes);
        }
        Assert.Equal(0, await BlobCountAsync());
    }

    /// <summary>Sends the hand-offs together, as concurrent sessions do, and returns the one queue message they make.</summary>
    private async Task<string> SendGroupedAsync(IReadOnlyList<InboundHandoff> handoffs)
    {
        Task all;
        using (await Queues.HoldInboundSendsAsync())
        {
            all = Task.WhenAll(handoffs.Select(h => Queues.SendInboundGroupedAsync(h.Id, MailQueues.Serialize(h), CancellationToken.None)));
        }
        await all;
        return Assert.Single((await _f.Storage.Inbound.ReceiveMessagesAsync(32)).Value).Body.ToString();
    }

    /// <summary>The hand-off as a listener with <c>Mail:Queues:CompressCarriedMessages</c> on sends it: version 3, the bytes in <c>rawbr</c>.</summary>
    private static InboundHandoff Compressed(InboundHandoff carried) => carried with
    {
        Version = InboundHandoff.CompressedContentVersion,
        Content = null,
        CompressedContent = MailQueues.CompressIfSmaller(carried.Content) ?? throw new InvalidOperationException("test message does not compress"),
    };

    /// <summary>A message that compresses as mail text does (its body a few repeated lines).</summary>
    private static string Compressible(string subject) =>
        IngestFixture.Message(subject) + string.Concat(Enumerable.Repeat("Some text of the body, said again and again.\r\n", 40));

    [Fact]
    public async Task Compressed_carried_hand_offs_grouped_in_one_queue_message_are_filed_byte_for_byte_exactly_once()
    {
        var handoffs = new List<InboundHandoff>();
        for (var i = 0; i < 3; i++)
        {
            handoffs.Add(await _f.CarriedHandoffAsync(Compressible($"compressed {i}"), [IngestFixture.To(_f.User), IngestFixture.To(_f.Other)]));
        }
        var compressed = handoffs.Select(Compressed).ToList();
        Assert.All(compressed, h => Assert.True(h.CompressedContent!.Length < h.Size / 2));
        var message = await SendGroupedAsync(compressed);
        Assert.Equal(3, MailQueues.GroupOf(message)!.Count);
        Assert.DoesNotContain("\"raw\":", message, StringComparison.Ordinal);

        Assert.Equal(new IngestResult(6, 0, 0, 0), await _f.Ingest.IngestAsync(message));
        Assert.Equal(new IngestResult(0, 6, 0, 0), await _f.Ingest.IngestAsync(message)); // redelivered
        foreach (var mailbox in new[] { _f.User, _f.Other })
        {
            var rows = await _f.MessagesAsync(mailbox);
            Assert.Equal(3, rows.Count);
            Assert.All(rows, r => Assert.True(r.Inline && !r.SharedBlob && r.HolderId is null));
            foreach (var (handoff, i) in handoffs.Select((h, i) => (h, i)))
            {
                var row = rows.Single(r => r.Summary!.Envelope.Subject == $"compressed {i}");
                Assert.Equal(handoff.Size, row.Size);
                Assert.Equal(handoff.Content, await _f.Store.ReadRowAsync(row.Source(mailbox.MailboxId, Serverless.Mail.Index.SpecialUse.InboxId)));
            }
        }
        Assert.Equal(0, await BlobCountAsync());
    }

    [Fact]
    public async Task A_compressed_hand_off_passed_in_directly_is_filed_like_one_read_from_the_queue()
    {
        var handoff = await _f.CarriedHandoffAsync(Compressible("direct"), [IngestFixture.To(_f.User)]);
        Assert.Equal(1, (await _f.Ingest.IngestAsync(Compressed(handoff))).Filed);
        var row = Assert.Single(await _f.MessagesAsync(_f.User));
        Assert.Equal(handoff.Content, await _f.Store.ReadRowAsync(row.Source(_f.User.MailboxId, Serverless.Mail.Index.SpecialUse.InboxId)));
    }

    [Fact]
    public async Task A_hand_off_whose_version_does_not_match_its_content_or_whose_bytes_do_not_decompress_to_its_size_is_refused()
    {
        var carried = await _f.CarriedHandoffAsync(Compressible("refused"), [IngestFixture.To(_f.User)]);
        var compressed = Compressed(carried);
        string Json(InboundHandoff h) => System.Text.Encoding.UTF8.GetString(MailQueues.Serialize(h));
        Assert.Equal(carried.Content, MailQueues.ParseInbound(Json(compressed)).Content); // the good one
        Assert.Equal(carried.Content, MailQueues.ParseInbound(Json(carried)).Content); // version 2 is still read
        // Version 2 with compressed bytes, 3 with plain ones, both fields, a version from the future.
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(compressed with { Version = InboundHandoff.ContentVersion })));
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(carried with { Version = InboundHandoff.CompressedContentVersion })));
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(compressed with { Content = carried.Content })));
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(compressed with { Version = 4 })));
        // Cut-off bytes, or a size that is not what they decompress to (more, fewer, absurd): never a cut or padded message.
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(compressed with { CompressedContent = compressed.CompressedContent![..^4] })));
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(compressed with { Size = carried.Size + 1 })));
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(compressed with { Size = carried.Size - 1 })));
        Assert.Throws<FormatException>(() => MailQueues.ParseInbound(Json(compressed with { Size = long.MaxValue })));
        // An ingest of such a queue message fails (retried, then poisoned), filing nothing.
        await Assert.ThrowsAsync<FormatException>(() => _f.Ingest.IngestAsync(Json(compressed with { Size = carried.Size + 1 })));
        Assert.Empty(await _f.MessagesAsync(_f.User));
    }

    [Fact]
    public void Bytes_that_do_not_compress_by_an_eighth_are_left_as_they_are()
    {
        var random = new byte[12_000];
        new Random(33).NextBytes(random);
        Assert.Null(MailQueues.CompressIfSmaller(random));
        var text = System.Text.Encoding.ASCII.GetBytes(Compressible("text"));
        var compressed = MailQueues.CompressIfSmaller(text)!;
        Assert.Equal(text, MailQueues.Decompress(compressed, text.Length));
    }

    [Fact]
    public async Task A_carried_message_for_an_alias_that_forwards_outside_is_written_to_its_blob_and_forwarded()
    {
        // "fwd" resolved at the ingest (no mbx in the hand-off): other@example.com plus friend@remote.example.
        var handoff = await _f.CarriedHandoffAsync(IngestFixture.Message("forward me"), [IngestFixture.To("fwd@example.com")]);
        Assert.Equal(new IngestResult(1, 0, 0, 1), await _f.Ingest.IngestAsync(handoff));
        Assert.Equal(handoff.Content, await _f.BlobAsync(handoff.BlobName)); // under the carried name
        var forward = Assert.Single(await _f.OutboundAsync());
        Assert.Equal(handoff.BlobName, forward.BlobName);
        var row = Assert.Single(await _f.MessagesAsync(_f.Other));
        Assert.False(row.Inline);
        Assert.Equal(handoff.BlobName, row.BlobName);

        // Redelivered: the blob is there already (same name, same bytes), nothing filed or forwarded twice.
        var again = await _f.Ingest.IngestAsync(handoff);
        Assert.Equal((0, 1), (again.Filed, again.Duplicates));
        Assert.Equal(handoff.Content, await _f.BlobAsync(handoff.BlobName));
    }

    [Fact]
    public async Task A_carried_message_that_cannot_be_filed_gets_a_DSN_built_from_the_carried_bytes()
    {
        var handoff = await _f.CarriedHandoffAsync(IngestFixture.Message("to nobody"), [IngestFixture.To("nobody@example.com")]);
        Assert.Equal(new IngestResult(0, 0, 1, 0), await _f.Ingest.IngestAsync(handoff));
        var dsn = Assert.Single(await _f.OutboundAsync());
        Assert.Equal("sender@remote.example", Assert.Single(dsn.Recipients).Address);
        var report = Encoding.UTF8.GetString(await _f.BlobAsync(dsn.BlobName));
        Assert.Contains("Subject: to nobody", report, StringComparison.Ordinal); // the returned header, from the carried bytes
        Assert.Equal(1, await BlobCountAsync()); // the DSN's own; the carried message never had one
    }
}

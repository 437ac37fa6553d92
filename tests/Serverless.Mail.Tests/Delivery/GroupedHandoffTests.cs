using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Delivery;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Xunit;

namespace Serverless.Mail.Tests.Delivery;

/// <summary>
/// Group commit of the inbound hand-off (MailQueues.Group.cs): hand-offs sent while a put is under
/// way share the next queue message, and the ingest files each member on its own — a member that
/// fails is put back alone, the others stay filed, and a redelivered group files nothing twice.
/// </summary>
public sealed class GroupedHandoffTests : IAsyncLifetime
{
    private IngestFixture _f = null!;

    public async Task InitializeAsync() => _f = await IngestFixture.StartAsync(new Dictionary<string, string?>
    {
        ["Mail:Queues:GroupInboundHandoffs"] = "true", // the default, stated so the test does not depend on it
        ["Mail:Delivery:GroupRetryDelay"] = "00:00:00", // a member put back is visible at once, so the test reads it
        ["Mail:Queues:GroupLinger"] = "00:10:00", // a send waits for an expected hand-off until it comes or is called off
    });

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private MailQueues Queues => _f.Services.GetRequiredService<MailQueues>();

    [Fact]
    public async Task Hand_offs_sent_while_a_put_is_under_way_share_one_queue_message_and_are_each_filed_exactly_once()
    {
        var handoffs = new List<InboundHandoff>();
        for (var i = 0; i < 5; i++)
        {
            handoffs.Add(await _f.HandoffAsync(IngestFixture.Message($"together {i}"), [IngestFixture.To(i % 2 == 0 ? _f.User : _f.Other)]));
        }
        Task all;
        using (await Queues.HoldInboundSendsAsync())
        {
            // Each send joins the waiting list before its first await, so all five wait for the gate.
            all = Task.WhenAll(handoffs.Select(h => Queues.SendInboundGroupedAsync(h.Id, MailQueues.Serialize(h), CancellationToken.None)));
            Assert.False(all.IsCompleted); // nobody answers 250 before the put that carries its hand-off
        }
        await all;

        var queued = (await _f.Storage.Inbound.ReceiveMessagesAsync(32)).Value;
        var message = Assert.Single(queued);
        var members = MailQueues.GroupOf(message.Body.ToString());
        Assert.NotNull(members);
        Assert.Equal(handoffs.Select(h => h.Id), members.Select(m => MailQueues.ParseInbound(m).Id));

        Assert.Equal(new IngestResult(5, 0, 0, 0), await _f.Ingest.IngestAsync(message.Body.ToString()));
        // The same group again (its worker died before deleting it): every member is a duplicate.
        Assert.Equal(new IngestResult(0, 5, 0, 0), await _f.Ingest.IngestAsync(message.Body.ToString()));
        var filed = (await _f.MessagesAsync(_f.User)).Concat(await _f.MessagesAsync(_f.Other)).Select(m => m.Summary!.Envelope.Subject).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"together {i}").Order(), filed.Order());
    }

    [Fact]
    public async Task A_send_waits_for_a_hand_off_whose_session_is_storing_its_blob_and_takes_it_along()
    {
        var first = await _f.HandoffAsync(IngestFixture.Message("first"), [IngestFixture.To(_f.User)]);
        var second = await _f.HandoffAsync(IngestFixture.Message("second"), [IngestFixture.To(_f.Other)]);
        using var storing = Queues.ExpectInbound(); // the second session is committing its blob
        var sending = Queues.SendInboundGroupedAsync(first.Id, MailQueues.Serialize(first), CancellationToken.None);
        Assert.False(sending.IsCompleted);
        await Queues.SendInboundGroupedAsync(second.Id, MailQueues.Serialize(second), CancellationToken.None, storing).WaitAsync(TimeSpan.FromSeconds(60));
        await sending.WaitAsync(TimeSpan.FromSeconds(60));

        var message = Assert.Single((await _f.Storage.Inbound.ReceiveMessagesAsync(32)).Value);
        Assert.Equal([first.Id, second.Id], MailQueues.GroupOf(message.Body.ToString())!.Select(m => MailQueues.ParseInbound(m).Id));
        Assert.Equal(new IngestResult(2, 0, 0, 0), await _f.Ingest.IngestAsync(message.Body.ToString()));
    }

    [Fact]
    public async Task A_send_waiting_for_a_session_whose_store_failed_goes_as_soon_as_that_session_gives_up()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("not kept waiting"), [IngestFixture.To(_f.User)]);
        var failing = Queues.ExpectInbound();
        Assert.NotNull(failing); // grouping is on here
        var sending = Queues.SendInboundGroupedAsync(handoff.Id, MailQueues.Serialize(handoff), CancellationToken.None);
        Assert.False(sending.IsCompleted);
        failing.Dispose(); // its blob commit failed: no hand-off will come (GroupLinger is ten minutes here)
        await sending.WaitAsync(TimeSpan.FromSeconds(60));
        var message = Assert.Single((await _f.Storage.Inbound.ReceiveMessagesAsync(32)).Value);
        Assert.Equal(handoff.Id, MailQueues.ParseInbound(message.Body.ToString()).Id);
    }

    [Fact]
    public async Task A_hand_off_sent_alone_keeps_the_single_format_that_older_queued_messages_have()
    {
        var handoff = await _f.HandoffAsync(IngestFixture.Message("alone"), [IngestFixture.To(_f.User)]);
        await Queues.SendInboundGroupedAsync(handoff.Id, MailQueues.Serialize(handoff), CancellationToken.None);
        var message = Assert.Single((await _f.Storage.Inbound.ReceiveMessagesAsync(32)).Value);
        Assert.Null(MailQueues.GroupOf(message.Body.ToString()));
        Assert.Equal(handoff.Id, MailQueues.ParseInbound(message.Body.ToString()).Id);
        Assert.Equal(new IngestResult(1, 0, 0, 0), await _f.Ingest.IngestAsync(message.Body.ToString()));
        Assert.Single(await _f.MessagesAsync(_f.User));
    }

    [Fact]
    public async Task A_group_with_bad_members_files_the_others_and_puts_back_only_the_bad_ones_each_on_its_own()
    {
        var good = await _f.HandoffAsync(IngestFixture.Message("good"), [IngestFixture.To(_f.User)]);
        // A member whose blob the ingest cannot read (a page blob where a block blob must be): it fails every time.
        var corruptBlob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await _f.Storage.Messages.GetPageBlobClient(corruptBlob).CreateAsync(1024);
        var corrupt = new InboundHandoff
        {
            Id = Guid.NewGuid().ToString("N"),
            BlobName = corruptBlob,
            Size = 1024,
            MailFrom = "sender@remote.example",
            Recipients = [IngestFixture.To(_f.Other)],
            ReceivedAt = DateTimeOffset.UtcNow,
            Via = "mx",
        };
        // And one of a version this consumer does not know.
        var future = "{\"v\":9,\"id\":\"from-the-future\"}";
        var group = MailQueues.GroupJson([MailQueues.Serialize(good), MailQueues.Serialize(corrupt), System.Text.Encoding.UTF8.GetBytes(future)]);

        Assert.Equal(new IngestResult(1, 0, 0, 0, Requeued: 2), await _f.Ingest.IngestAsync(group));
        Assert.Equal("good", Assert.Single(await _f.MessagesAsync(_f.User)).Summary!.Envelope.Subject);
        Assert.Empty(await _f.MessagesAsync(_f.Other));

        // Each bad member is now a queue message of its own, in the single format: retried, poisoned and replayed alone.
        var requeued = (await _f.Storage.Inbound.ReceiveMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToList();
        Assert.Equal(2, requeued.Count);
        Assert.All(requeued, body => Assert.Null(MailQueues.GroupOf(body)));
        Assert.Equal(corrupt.Id, MailQueues.ParseInbound(Assert.Single(requeued, b => b.Contains(corrupt.Id, StringComparison.Ordinal))).Id);
        Assert.Equal(JsonDocument.Parse(future).RootElement.GetRawText(), Assert.Single(requeued, b => b.Contains("from-the-future", StringComparison.Ordinal)));
        // Alone, a bad hand-off fails as it always did (the host retries it, then poisons it).
        await Assert.ThrowsAnyAsync<Exception>(() => _f.Ingest.IngestAsync(requeued.Single(b => b.Contains(corrupt.Id, StringComparison.Ordinal))));

        // The group redelivered (its worker died after putting the bad ones back, before deleting it):
        // the good member is a duplicate, the bad ones are queued once more — harmless, the ingest is idempotent.
        Assert.Equal(new IngestResult(0, 1, 0, 0, Requeued: 2), await _f.Ingest.IngestAsync(group));
        Assert.Single(await _f.MessagesAsync(_f.User));

        // Once the blob is repaired, the put-back member files its message, once, however often it comes.
        await _f.Storage.Messages.GetBlobClient(corruptBlob).DeleteAsync();
        await using (var writer = _f.Store.CreateWriter(corruptBlob))
        {
            await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(IngestFixture.Message("repaired")));
            await writer.CommitAsync();
        }
        var single = requeued.Single(b => b.Contains(corrupt.Id, StringComparison.Ordinal));
        Assert.Equal(1, (await _f.Ingest.IngestAsync(single)).Filed);
        Assert.Equal(1, (await _f.Ingest.IngestAsync(single)).Duplicates);
        Assert.Equal("repaired", Assert.Single(await _f.MessagesAsync(_f.Other)).Summary!.Envelope.Subject);
    }

    [Fact]
    public async Task Groups_never_exceed_a_queue_message_and_a_hand_off_too_large_to_share_goes_alone()
    {
        var handoffs = new List<InboundHandoff>();
        for (var i = 0; i < 6; i++)
        {
            // ~12 KiB of JSON each (long recipient lists): four fit in 48 KiB, not six.
            var recipients = Enumerable.Range(0, 120).Select(k => IngestFixture.To($"nobody-{i}-{k}-padding-padding-padding@remote.example")).ToList();
            recipients.Insert(0, IngestFixture.To(_f.User));
            handoffs.Add(await _f.HandoffAsync(IngestFixture.Message($"big {i}"), recipients));
        }
        Assert.All(handoffs, h => Assert.InRange(MailQueues.JsonSize(h), 8 * 1024, 16 * 1024));
        Task all;
        using (await Queues.HoldInboundSendsAsync())
        {
            all = Task.WhenAll(handoffs.Select(h => Queues.SendInboundGroupedAsync(h.Id, MailQueues.Serialize(h), CancellationToken.None)));
        }
        await all;
        var queued = (await _f.Storage.Inbound.ReceiveMessagesAsync(32)).Value;
        Assert.InRange(queued.Length, 2, 3);
        Assert.All(queued, m => Assert.True(System.Text.Encoding.UTF8.GetByteCount(m.Body.ToString()) <= MailQueues.MaxMessageJsonBytes));
        Assert.Equal(6, queued.Sum(m => MailQueues.GroupOf(m.Body.ToString())?.Count ?? 1));
    }
}

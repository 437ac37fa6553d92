using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Reliability.Tests.Infrastructure;
using Serverless.Testing;
using Xunit;

namespace Serverless.Reliability.Tests.Faults;

/// <summary>
/// The ingest worker (a dev host process running the queue-triggered functions) is killed with
/// SIGKILL in the middle of a hand-off: once before its index write reaches storage, once after the
/// write took effect but before the queue message was deleted. The hand-off becomes visible again,
/// another worker takes it, and every mailbox ends with the message exactly once.
/// </summary>
public sealed class IngestWorkerKilledTests : IAsyncLifetime
{
    private readonly string _prefix = TestStorage.NewPrefix();
    private ServiceProvider _services = null!;
    private StorageTap _tap = null!;
    private MailboxRecord _alice = null!;
    private MailboxRecord _bob = null!;

    public async Task InitializeAsync()
    {
        _services = await TestStorage.CreateServicesAsync(_prefix);
        var directory = _services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "acme.test", null);
        _alice = await directory.CreateMailboxAsync("acme", MailAddress.Parse("alice@acme.test"), MailStack.Password, "Alice", 0);
        _bob = await directory.CreateMailboxAsync("acme", MailAddress.Parse("bob@acme.test"), MailStack.Password, "Bob", 0);
        await directory.CreateAliasAsync("acme", "acme.test", "team", ["alice@acme.test", "bob@acme.test"]);
        _tap = StorageTap.Start(await TestStorage.ConnectionStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _tap.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Theory]
    [InlineData(TrapMode.HoldRequest)]
    [InlineData(TrapMode.HoldResponse)]
    public async Task A_hand_off_whose_worker_died_is_redelivered_and_filed_exactly_once(TrapMode killedAt)
    {
        var handoffId = await HandOffAsync("team@acme.test");
        // The index write: the message row's insert inside the entity-group transaction (the blob-holder
        // transaction before it names another table; reads and counter updates name a row).
        var indexWrite = _tap.Arm("TableEndpoint", "POST http://127.0.0.1:" + TablePort() + "/devstoreaccount1/" + _prefix + "mailindex?", killedAt);
        var first = StartWorker(_tap.ConnectionString);
        await using (first)
        {
            await indexWrite.WaitAsync(TimeSpan.FromSeconds(60));
            await first.KillAsync();
        }
        var filedBefore = (await MessagesAsync(_alice)).Count + (await MessagesAsync(_bob)).Count;
        // The two copies are written in parallel (one partition each); one of them is caught. Killed before its
        // write: that copy is not filed. After it: it is in the index while the hand-off is still queued.
        Assert.True(killedAt == TrapMode.HoldRequest ? filedBefore < 2 : filedBefore >= 1, $"{filedBefore} copies filed before the redelivery");
        var storage = _services.GetRequiredService<MailStorage>();
        Assert.Equal(1, (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount); // still queued, invisible for now

        await using var second = StartWorker(await TestStorage.ConnectionStringAsync());
        await Poll.UntilAsync(async () => (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(60), 200);
        foreach (var mailbox in new[] { _alice, _bob })
        {
            var messages = await MessagesAsync(mailbox);
            var m = Assert.Single(messages);
            Assert.Equal($"<{handoffId}@client.reliability.test>", m.Summary?.Envelope.MessageId);
        }
        Assert.Equal(0, (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        // The shared blob is held once per copy, not once per delivery attempt.
        var holders = await storage.BlobHolders.QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync();
        Assert.Equal(2, holders.Count);
    }

    /// <summary>Where a worker filing a group of hand-offs (one queue message from concurrent SMTP sessions) is killed.</summary>
    public enum GroupKillPoint
    {
        /// <summary>One member's index write took effect; its response never came back.</summary>
        AfterAnIndexWrite,

        /// <summary>Every member filed; the delete of the group's queue message never reached storage.</summary>
        BeforeTheGroupIsDeleted,
    }

    [Theory]
    [InlineData(GroupKillPoint.AfterAnIndexWrite)]
    [InlineData(GroupKillPoint.BeforeTheGroupIsDeleted)]
    public async Task A_group_of_hand_offs_whose_worker_died_is_redelivered_and_each_member_is_filed_exactly_once(GroupKillPoint killedAt)
    {
        var ids = await HandOffGroupAsync(["alice@acme.test", "bob@acme.test", "team@acme.test"]);
        var trap = killedAt == GroupKillPoint.AfterAnIndexWrite
            ? _tap.Arm("TableEndpoint", "POST http://127.0.0.1:" + TablePort() + "/devstoreaccount1/" + _prefix + "mailindex?", TrapMode.HoldResponse)
            : _tap.Arm("QueueEndpoint", "DELETE /devstoreaccount1/" + _prefix + "-inbound/messages/", TrapMode.HoldRequest);
        var first = StartWorker(_tap.ConnectionString);
        await using (first)
        {
            await trap.WaitAsync(TimeSpan.FromSeconds(60));
            await first.KillAsync();
        }
        var filedBefore = (await MessagesAsync(_alice)).Count + (await MessagesAsync(_bob)).Count;
        // Killed before the delete: all four copies (alice, bob, and team's two) are in the index and the group is still queued.
        Assert.True(killedAt == GroupKillPoint.AfterAnIndexWrite ? filedBefore >= 1 : filedBefore == 4, $"{filedBefore} copies filed before the redelivery");
        var storage = _services.GetRequiredService<MailStorage>();
        Assert.Equal(1, (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        await using var second = StartWorker(await TestStorage.ConnectionStringAsync());
        await Poll.UntilAsync(async () => (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(60), 200);
        var alice = (await MessagesAsync(_alice)).Select(m => m.Summary?.Envelope.MessageId).Order().ToList();
        var bob = (await MessagesAsync(_bob)).Select(m => m.Summary?.Envelope.MessageId).Order().ToList();
        Assert.Equal(new[] { ids[0], ids[2] }.Select(id => $"<{id}@client.reliability.test>").Order(), alice);
        Assert.Equal(new[] { ids[1], ids[2] }.Select(id => $"<{id}@client.reliability.test>").Order(), bob);
        Assert.Equal(0, (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        // Only team's blob is shared, held once per copy, not once per delivery attempt.
        var holders = await storage.BlobHolders.QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync();
        Assert.Equal(2, holders.Count);
    }

    /// <summary>What concurrent SMTP sessions of one listener do: their blobs, then one queue message carrying all their hand-offs.</summary>
    private async Task<List<string>> HandOffGroupAsync(IReadOnlyList<string> rcpts)
    {
        var members = new List<byte[]>();
        var ids = new List<string>();
        foreach (var rcpt in rcpts)
        {
            var handoff = await WriteMessageAsync(rcpt);
            members.Add(MailQueues.Serialize(handoff));
            ids.Add(handoff.Id);
        }
        await _services.GetRequiredService<MailStorage>().Inbound.SendMessageAsync(MailQueues.GroupJson(members), timeToLive: TimeSpan.FromSeconds(-1));
        return ids;
    }

    private int TablePort() => int.Parse(System.Text.RegularExpressions.Regex.Match(_tap.ConnectionString, @"TableEndpoint=http://127\.0\.0\.1:(\d+)/").Groups[1].Value,
        CultureInfo.InvariantCulture);

    /// <summary>What the listener does for a message: the blob, then the hand-off (here without a summary, so the ingest reads the blob).</summary>
    private async Task<string> HandOffAsync(string rcpt)
    {
        var handoff = await WriteMessageAsync(rcpt);
        await _services.GetRequiredService<MailQueues>().SendInboundAsync(handoff);
        return handoff.Id;
    }

    /// <summary>The message's blob, and its hand-off (without a summary, so the ingest reads the blob).</summary>
    private async Task<InboundHandoff> WriteMessageAsync(string rcpt)
    {
        var id = Guid.NewGuid().ToString("N");
        var raw = Encoding.UTF8.GetBytes($"Message-ID: <{id}@client.reliability.test>\r\nSubject: worker killed\r\n\r\nbody\r\n");
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = _services.GetRequiredService<MessageStore>().CreateWriter(blob))
        {
            await writer.WriteAsync(raw);
            await writer.CommitAsync();
        }
        return new InboundHandoff
        {
            Id = id,
            BlobName = blob,
            Size = raw.Length,
            MailFrom = "sender@client.reliability.test",
            Recipients = [new HandoffRecipient { Address = rcpt }],
            ReceivedAt = DateTimeOffset.UtcNow,
            Via = "submission",
        };
    }

    /// <summary>A dev host process with no listeners: just the queue-triggered functions. A message it took reappears 3 s after it dies.</summary>
    private ChildHost StartWorker(string connectionString)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Storage:ConnectionString"] = connectionString,
            ["Mail:Storage:Prefix"] = _prefix,
            ["Mail:Security:Pbkdf2Iterations"] = TestStorage.TestPbkdf2Iterations.ToString(CultureInfo.InvariantCulture),
            ["Mail:Api:Port"] = AzuriteProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Mail:DevHost:RunTimers"] = "false",
            ["Mail:DevHost:Queues:ProcessingVisibility"] = "00:00:03",
            ["Mail:DevHost:Queues:MaxPollingInterval"] = "00:00:00.300",
            ["Mail:DevHost:Queues:VisibilityTimeout"] = "00:00:01",
        };
        foreach (var port in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve", "Health" })
        {
            settings[$"Mail:Listeners:Ports:{port}"] = "0";
        }
        return ChildHost.Start("Serverless.DevHost.dll", settings);
    }

    private async Task<List<IndexedMessage>> MessagesAsync(MailboxRecord mailbox)
    {
        var list = new List<IndexedMessage>();
        await foreach (var m in _services.GetRequiredService<MailboxIndex>().ListMessagesAsync(mailbox.MailboxId, SpecialUse.InboxId))
        {
            list.Add(m);
        }
        return list;
    }
}

using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;

namespace Serverless.Mail.Tests.Outbound;

/// <summary>
/// The relay on the test Azurite with a loopback DNS server: a tenant "acme" hosting
/// sender.test with the mailbox alice@sender.test. <see cref="DrainAsync"/> plays the queue
/// trigger (receive, call the relay, delete on success) until the queue stays empty.
/// </summary>
internal sealed class RelayFixture : IAsyncDisposable
{
    public const string Tenant = "acme";
    public const string Sender = "alice@sender.test";

    private RelayFixture(ServiceProvider services, TestDnsServer dns, int port)
    {
        Services = services;
        Dns = dns;
        Port = port;
    }

    public ServiceProvider Services { get; }

    public TestDnsServer Dns { get; }

    public int Port { get; }

    public MailStorage Storage => Services.GetRequiredService<MailStorage>();

    public OutboundRelay Relay => Services.GetRequiredService<OutboundRelay>();

    public MailboxRecord Alice { get; private set; } = null!;

    public static async Task<RelayFixture> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var dns = new TestDnsServer();
        var port = AzuriteProcess.FreePort();
        var extra = new Dictionary<string, string?>
        {
            ["Mail:Dns:Servers"] = dns.Setting,
            ["Mail:Outbound:SmtpPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mail:Outbound:HeloName"] = "relay.test",
            ["Mail:Outbound:AllowPrivateNetworks"] = "true", // the receiving servers are on loopback
            ["Mail:Outbound:ConnectTimeout"] = "00:00:05",
            ["Mail:Outbound:CommandTimeout"] = "00:00:10",
            ["Mail:Outbound:RetryDelays:0"] = "00:00:00.200",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            extra[k] = v;
        }
        var services = await TestStorage.CreateServicesAsync(extra: extra, configure: configure);
        var f = new RelayFixture(services, dns, port);
        var directory = services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync(Tenant, "Acme");
        await directory.AddDomainAsync(Tenant, "sender.test", "sel1");
        f.Alice = await directory.CreateMailboxAsync(Tenant, MailAddress.Parse(Sender), "correct horse battery", "Alice", 0);
        return f;
    }

    public TestSmtpServer Smtp(string ip, Action<TestSmtpScript>? configure = null) => TestSmtpServer.Start(ip, Port, configure);

    /// <summary>Stores a message blob and queues it for the relay, as the submission listener does.</summary>
    public async Task<OutboundRelayMessage> SubmitAsync(string raw, string mailFrom, IEnumerable<string> rcpts, Func<OutboundRelayMessage, OutboundRelayMessage>? edit = null)
    {
        var store = Services.GetRequiredService<MessageStore>();
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        var bytes = Encoding.UTF8.GetBytes(raw);
        await using (var w = store.CreateWriter(name))
        {
            await w.WriteAsync(bytes);
            await w.CommitAsync();
        }
        var message = new OutboundRelayMessage
        {
            Id = Guid.NewGuid().ToString("N"),
            BlobName = name,
            Size = bytes.Length,
            MailFrom = mailFrom,
            Recipients = rcpts.Select(r => new HandoffRecipient { Address = r }).ToList(),
            TenantId = Tenant,
            AuthenticatedAs = mailFrom.Length > 0 ? mailFrom : null,
            SubmittedAt = DateTimeOffset.UtcNow,
        };
        message = edit?.Invoke(message) ?? message;
        await Services.GetRequiredService<MailQueues>().SendOutboundAsync(message);
        return message;
    }

    /// <summary>
    /// Runs queued outbound messages through the relay until the queue has been empty for
    /// <paramref name="quiet"/> (retries are re-enqueued with short delays in tests). Returns the invocations.
    /// </summary>
    public async Task<int> DrainAsync(TimeSpan? quiet = null, TimeSpan? timeout = null)
    {
        var queue = Storage.Outbound;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var quietFor = quiet ?? TimeSpan.FromSeconds(1.3); // queue visibility delays have a granularity of one second
        var lastWork = DateTime.UtcNow;
        var invocations = 0;
        while (DateTime.UtcNow - lastWork < quietFor)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The outbound queue did not drain.");
            }
            var batch = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(5))).Value;
            if (batch.Length == 0)
            {
                await Task.Delay(50);
                continue;
            }
            await Task.WhenAll(batch.Select(async m =>
            {
                await Relay.RelayAsync(m.Body.ToString());
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }));
            invocations += batch.Length;
            lastWork = DateTime.UtcNow;
        }
        return invocations;
    }

    /// <summary>Waits for the next queued outbound message and runs it through the relay once.</summary>
    public async Task AttemptOnceAsync()
    {
        var queue = Storage.Outbound;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var received = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value;
            if (received.Length == 1)
            {
                await Relay.RelayAsync(received[0].Body.ToString());
                await queue.DeleteMessageAsync(received[0].MessageId, received[0].PopReceipt);
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No outbound message was queued.");
            }
            await Task.Delay(50);
        }
    }

    public async Task<OutboundMessageRecord?> StateAsync(string id) =>
        await Services.GetRequiredService<OutboundState>().LoadAsync(OutboundState.TenantKey(Tenant), id);

    /// <summary>The raw bytes of the messages in Alice's INBOX.</summary>
    public async Task<List<byte[]>> InboxRawAsync()
    {
        var index = Services.GetRequiredService<MailboxIndex>();
        var store = Services.GetRequiredService<MessageStore>();
        var result = new List<byte[]>();
        await foreach (var m in index.ListMessagesAsync(Alice.MailboxId, 1))
        {
            await using var s = await store.OpenReadAsync(m.BlobName);
            using var copy = new MemoryStream();
            await s.CopyToAsync(copy);
            result.Add(copy.ToArray());
        }
        return result;
    }

    /// <summary>The messages in Alice's INBOX, parsed.</summary>
    public async Task<List<MimeKit.MimeMessage>> InboxAsync()
    {
        var index = Services.GetRequiredService<MailboxIndex>();
        var store = Services.GetRequiredService<MessageStore>();
        var result = new List<MimeKit.MimeMessage>();
        await foreach (var m in index.ListMessagesAsync(Alice.MailboxId, 1))
        {
            await using var s = await store.OpenReadAsync(m.BlobName);
            using var copy = new MemoryStream();
            await s.CopyToAsync(copy);
            copy.Position = 0;
            result.Add(await MimeKit.MimeMessage.LoadAsync(copy));
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Dns.Dispose();
    }
}

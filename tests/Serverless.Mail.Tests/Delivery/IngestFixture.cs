using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Serverless.Testing.Outbound;

namespace Serverless.Mail.Tests.Delivery;

/// <summary>
/// The ingest on the test Azurite with a loopback DNS server: tenant "acme" hosting example.com with
/// user@ and other@, the alias team@ (both) and fwd@ (other@ and an external address).
/// Messages are put in blobs the way the listener does, and hand-offs built by hand.
/// </summary>
internal sealed class IngestFixture : IAsyncDisposable
{
    private IngestFixture(ServiceProvider services, TestDnsServer dns)
    {
        Services = services;
        Dns = dns;
    }

    public ServiceProvider Services { get; }

    public TestDnsServer Dns { get; }

    public MailboxRecord User { get; private set; } = null!;

    public MailboxRecord Other { get; private set; } = null!;

    public InboundIngest Ingest => Services.GetRequiredService<InboundIngest>();

    public MailboxIndex Index => Services.GetRequiredService<MailboxIndex>();

    public MailStorage Storage => Services.GetRequiredService<MailStorage>();

    public MessageStore Store => Services.GetRequiredService<MessageStore>();

    public StorageRequestMeter Meter => Services.GetRequiredService<StorageRequestMeter>();

    public static async Task<IngestFixture> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var dns = new TestDnsServer();
        var extra = new Dictionary<string, string?>
        {
            ["Mail:Dns:Servers"] = dns.Setting,
            ["Mail:Listeners:HostName"] = "mail.test",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            extra[k] = v;
        }
        var services = await TestStorage.CreateServicesAsync(extra: extra, configure: configure);
        var f = new IngestFixture(services, dns);
        var directory = services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "example.com", null);
        f.User = await directory.CreateMailboxAsync("acme", MailAddress.Parse("user@example.com"), "pw-user-123", null, 0);
        f.Other = await directory.CreateMailboxAsync("acme", MailAddress.Parse("other@example.com"), "pw-other-123", null, 0);
        await directory.CreateAliasAsync("acme", "example.com", "team", ["user@example.com", "other@example.com"]);
        await directory.CreateAliasAsync("acme", "example.com", "fwd", ["other@example.com", "friend@remote.example"]);
        return f;
    }

    public static string Message(string subject, string from = "sender@remote.example", string body = "Hello.\r\n") =>
        $"From: {from}\r\nTo: user@example.com\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@remote.example>\r\n\r\n{body}";

    /// <summary>Stores raw bytes as a message blob (optionally in small blocks, as large messages are) and returns its name.</summary>
    public async Task<string> PutBlobAsync(byte[] raw, int bufferSize = SpoolBlobStream.DefaultBufferSize)
    {
        var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using var writer = Store.CreateWriter(name, bufferSize);
        await writer.WriteAsync(raw);
        await writer.CommitAsync();
        return name;
    }

    public async Task<InboundHandoff> HandoffAsync(string raw, IReadOnlyList<HandoffRecipient> recipients, bool withSummary = true, string via = "mx",
        string mailFrom = "sender@remote.example", int bufferSize = SpoolBlobStream.DefaultBufferSize)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        var blob = await PutBlobAsync(bytes, bufferSize);
        MessageSummary? summary = null;
        if (withSummary)
        {
            (summary, var parsed) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
            parsed.Dispose();
        }
        return new InboundHandoff
        {
            Id = Guid.NewGuid().ToString("N"),
            BlobName = blob,
            Size = bytes.Length,
            MailFrom = mailFrom,
            Recipients = recipients,
            ReceivedAt = DateTimeOffset.UtcNow,
            ClientIp = "192.0.2.10",
            Helo = "mx.remote.example",
            Via = via,
            Summary = summary,
            Spf = withSummary ? "none" : null,
        };
    }

    /// <summary>
    /// A hand-off that carries its message as the MX sends a small one (docs/storage.md, "Inbound mail
    /// in its hand-off"): its bytes in <c>raw</c>, version 2, the summary without its raw header, and no blob.
    /// </summary>
    public async Task<InboundHandoff> CarriedHandoffAsync(string raw, IReadOnlyList<HandoffRecipient> recipients)
    {
        var handoff = await HandoffAsync(raw, recipients);
        var bytes = await BlobAsync(handoff.BlobName);
        await Store.DeleteAsync(handoff.BlobName);
        return handoff with { Version = InboundHandoff.ContentVersion, Content = bytes, Summary = handoff.Summary! with { RawHeader = null } };
    }

    public static HandoffRecipient To(string address) => new() { Address = address };

    public static HandoffRecipient To(MailboxRecord mailbox) =>
        new() { Address = mailbox.Address, Mailboxes = [new HandoffMailbox { MailboxId = mailbox.MailboxId, QuotaBytes = mailbox.QuotaBytes }], Forward = [] };

    public async Task<List<IndexedMessage>> MessagesAsync(MailboxRecord mailbox, int folderId = SpecialUse.InboxId)
    {
        var list = new List<IndexedMessage>();
        await foreach (var m in Index.ListMessagesAsync(mailbox.MailboxId, folderId))
        {
            list.Add(m);
        }
        return list;
    }

    public async Task<byte[]> BlobAsync(string name)
    {
        await using var s = await Store.OpenReadAsync(name);
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        return copy.ToArray();
    }

    public async Task<List<OutboundRelayMessage>> OutboundAsync() =>
        (await Storage.Outbound.PeekMessagesAsync(32)).Value.Select(m => MailQueues.ParseOutbound(m.Body.ToString())).ToList();

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Dns.Dispose();
    }
}

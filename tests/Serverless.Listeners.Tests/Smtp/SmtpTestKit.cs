using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Accounts;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Mail.Storage;
using Serverless.Testing.Outbound;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>A running listener with one tenant: example.com with two mailboxes, an alias to both and a forwarding alias.</summary>
public sealed class SmtpTestKit : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private SmtpTestKit(ListenerHost host, TestDnsServer dns, MailboxRecord user, MailboxRecord other)
    {
        Host = host;
        Dns = dns;
        User = user;
        Other = other;
    }

    /// <summary>The DNS the listener asks (SPF, DKIM, DMARC); unknown names are NXDOMAIN.</summary>
    public TestDnsServer Dns { get; }

    public ListenerHost Host { get; }

    public MailboxRecord User { get; }

    public MailboxRecord Other { get; }

    public MailStorage Storage => Host.Services.GetRequiredService<MailStorage>();

    public static async Task<SmtpTestKit> StartAsync(IDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        // Ports are picked free and bound a moment later: another test may take one in between, so try again.
        for (var attempt = 1; ; attempt++)
        {
            TestDnsServer? dns = null;
            try
            {
                dns = new TestDnsServer();
                return await StartOnceAsync(dns, settings, connectionString);
            }
            catch (Exception e) when (attempt < 5 && (e is System.Net.Sockets.SocketException
                || e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException))
            {
                try
                {
                    dns?.Dispose();
                }
                catch (AggregateException)
                {
                    // a server stopped right after it started may complain; it is gone either way
                }
            }
        }
    }

    private static async Task<SmtpTestKit> StartOnceAsync(TestDnsServer dns, IDictionary<string, string?>? settings, string? connectionString)
    {
        var all = new Dictionary<string, string?> { ["Mail:Dns:Servers"] = dns.Setting };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        var host = await ListenerHost.StartAsync(all, connectionString: connectionString);
        var directory = host.Services.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "example.com", null);
        var user = await directory.CreateMailboxAsync("acme", MailAddress.Parse("user@example.com"), Password, "User", 0);
        var other = await directory.CreateMailboxAsync("acme", MailAddress.Parse("other@example.com"), Password, "Other", 0);
        await directory.CreateAliasAsync("acme", "example.com", "team", ["user@example.com", "other@example.com"]);
        await directory.CreateAliasAsync("acme", "example.com", "sales", ["user@example.com"]);
        await directory.CreateTenantAsync("globex", "Globex");
        await directory.AddDomainAsync("globex", "globex.example", null);
        await directory.CreateAliasAsync("globex", "globex.example", "grab", ["user@example.com"]);
        return new SmtpTestKit(host, dns, user, other);
    }

    /// <summary>Everything on the inbound queue (peeked, not taken).</summary>
    public async Task<List<InboundHandoff>> InboundAsync() =>
        (await Storage.Inbound.PeekMessagesAsync(32)).Value.Select(m => MailQueues.ParseInbound(m.Body.ToString())).ToList();

    public async Task<List<OutboundRelayMessage>> OutboundAsync() =>
        (await Storage.Outbound.PeekMessagesAsync(32)).Value.Select(m => MailQueues.ParseOutbound(m.Body.ToString())).ToList();

    public async Task<byte[]> BlobAsync(string name)
    {
        await using var stream = await Host.Services.GetRequiredService<MessageStore>().OpenReadAsync(name);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// The bytes the MX stored for a hand-off: carried in it (a small message, no blob) or in its blob.
    /// </summary>
    public async Task<byte[]> StoredAsync(InboundHandoff handoff)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        return handoff.Content ?? await BlobAsync(handoff.BlobName);
    }

    public async Task<int> BlobCountAsync()
    {
        var n = 0;
        await foreach (var _ in Storage.Messages.GetBlobsAsync())
        {
            n++;
        }
        return n;
    }

    /// <summary>Waits until the inbound queue holds <paramref name="count"/> messages.</summary>
    public async Task<List<InboundHandoff>> WaitForInboundAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var all = await InboundAsync();
            if (all.Count >= count || DateTime.UtcNow > deadline)
            {
                return all;
            }
            await Task.Delay(50);
        }
    }

    public static string Json(object value) => JsonSerializer.Serialize(value, MailQueues.Json);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Dns.Dispose();
    }
}

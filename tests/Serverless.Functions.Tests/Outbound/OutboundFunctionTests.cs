using System.Globalization;
using System.Text;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Mail.Messages;
using Serverless.Mail.Queues;
using Serverless.Testing;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>The relay and its listing as the function app runs them, with domains and keys made through the provisioning API.</summary>
public sealed class OutboundFunctionTests
{
    internal static async Task<(Provisioning.ApiTestHost Host, TestDnsServer Dns, int Port)> StartAsync(string firstRetryDelay = "00:00:00.100",
        IDictionary<string, string?>? extra = null)
    {
        var dns = new TestDnsServer();
        var port = AzuriteProcess.FreePort();
        var settings = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>())
        {
            ["Mail:Dns:Servers"] = dns.Setting,
            ["Mail:Outbound:SmtpPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Mail:Outbound:HeloName"] = "relay.test",
            ["Mail:Outbound:AllowPrivateNetworks"] = "true", // the receiving server is on loopback
            ["Mail:Outbound:RetryDelays:0"] = firstRetryDelay,
        };
        var host = await Provisioning.ApiTestHost.StartAsync(settings);
        return (host, dns, port);
    }

    internal static async Task<OutboundRelayMessage> QueueAsync(Provisioning.ApiTestHost host, string tenant, string from, string to, string subject)
    {
        var raw = $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@test>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello from the function app.\r\n";
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var w = host.Services.GetRequiredService<MessageStore>().CreateWriter(blob))
        {
            await w.WriteAsync(Encoding.ASCII.GetBytes(raw));
            await w.CommitAsync();
        }
        return new OutboundRelayMessage
        {
            Id = Guid.NewGuid().ToString("N"),
            BlobName = blob,
            Size = raw.Length,
            MailFrom = from,
            Recipients = [new HandoffRecipient { Address = to }],
            TenantId = tenant,
            AuthenticatedAs = from,
            SubmittedAt = DateTimeOffset.UtcNow,
        };
    }

    [Fact]
    public async Task The_relay_function_signs_with_the_key_whose_record_the_provisioning_api_published()
    {
        var (host, dns, port) = await StartAsync();
        await using var _ = host;
        using var __ = dns;
        var tenants = host.Function<TenantsFunction>();
        var domains = host.Function<DomainsFunction>();
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201);
        var domain = Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        // Publish exactly what the API told the operator to publish.
        var dkim = domain.Body.GetProperty("dnsRecords").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("._domainkey.", StringComparison.Ordinal));
        Assert.Equal("TXT", dkim.GetProperty("type").GetString());
        dns.AddTxt(dkim.GetProperty("name").GetString()!, dkim.GetProperty("value").GetString()!);
        dns.AddMx("remote.test", 10, "mx.remote.test");
        dns.AddA("mx.remote.test", "127.0.0.60");
        await using var receiver = TestSmtpServer.Start("127.0.0.60", port);

        var message = await QueueAsync(host, "acme", "sales@acme.test", "buyer@remote.test", "Offer");
        await host.Function<OutboundRelayFunction>().Run(JsonText(message), CancellationToken.None);

        var received = MimeMessage.Load(new MemoryStream(Assert.Single(receiver.Messages).Data));
        var signature = received.Headers[received.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.Contains("d=acme.test", signature.Value, StringComparison.Ordinal);
        var verifier = new DkimVerifier(new DnsDkimPublicKeyLocator(new LookupClient(dns.EndPoint)));
        Assert.True(await verifier.VerifyAsync(received, signature));
    }

    [Fact]
    public async Task The_outbound_listing_shows_each_recipients_state_to_the_tenant_and_to_nobody_else()
    {
        var (host, dns, port) = await StartAsync();
        await using var _ = host;
        using var __ = dns;
        var tenants = host.Function<TenantsFunction>();
        var acme = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        var other = Expect(await Send(Request("POST", AdminKey, new { id = "other" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        dns.AddMx("remote.test", 10, "mx.remote.test");
        dns.AddA("mx.remote.test", "127.0.0.61");
        await using var receiver = TestSmtpServer.Start("127.0.0.61", port, s => s.RcptReply = r => r.StartsWith("later", StringComparison.Ordinal) ? "451 4.2.1 Greylisted, come back later" : null);

        var message = await QueueAsync(host, "acme", "sales@acme.test", "later@remote.test", "Greylisted");
        await host.Function<OutboundRelayFunction>().Run(JsonText(message), CancellationToken.None);

        var listing = host.Function<OutboundFunction>();
        var page = Expect(await Send(Request("GET", acme), r => listing.List(r, "acme")), "ListOutbound", 200);
        var item = Assert.Single(page.Body.GetProperty("items").EnumerateArray());
        Assert.Equal(message.Id, item.GetProperty("id").GetString());
        Assert.False(item.GetProperty("done").GetBoolean());
        Assert.Equal(1, item.GetProperty("attempt").GetInt32());
        var rcpt = Assert.Single(item.GetProperty("recipients").EnumerateArray());
        Assert.Equal("pending", rcpt.GetProperty("state").GetString());
        Assert.Equal("4.2.1", rcpt.GetProperty("status").GetString());
        Assert.Contains("Greylisted", rcpt.GetProperty("diagnostic").GetString(), StringComparison.Ordinal);

        // Another tenant's key cannot see it (404 hides the tenant), no key is 401, a bad flag is 400.
        Expect(await Send(Request("GET", other), r => listing.List(r, "acme")), "ListOutbound", 404);
        Expect(await Send(Request("GET", null), r => listing.List(r, "acme")), "ListOutbound", 401);
        Expect(await Send(Request("GET", acme, query: "?all=maybe"), r => listing.List(r, "acme")), "ListOutbound", 400);
        var empty = Expect(await Send(Request("GET", other), r => listing.List(r, "other")), "ListOutbound", 200);
        Assert.Empty(empty.Body.GetProperty("items").EnumerateArray());
    }

    internal static string JsonText(OutboundRelayMessage message) => System.Text.Json.JsonSerializer.Serialize(message, MailQueues.Json);
}

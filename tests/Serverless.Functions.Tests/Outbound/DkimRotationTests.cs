using System.Text.Json;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Functions.Tests.Provisioning;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Outbound.OutboundFunctionTests;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>Issue 21: DKIM key rotation through the API, the hourly switch and retirement, and the relay's signatures along the way.</summary>
public sealed class DkimRotationTests
{
    private static List<JsonElement> DkimRecords(ApiResponseMessage domain) =>
        domain.Body.GetProperty("dnsRecords").EnumerateArray().Where(r => r.GetProperty("name").GetString()!.Contains("._domainkey.", StringComparison.Ordinal)).ToList();

    private static async Task<ApiResponseMessage> CreateDomainAsync(Provisioning.ApiTestHost host)
    {
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201);
        return Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
    }

    /// <summary>Relays one message and returns the selector of its DKIM signature, checked with MimeKit's verifier against the loopback DNS.</summary>
    private static async Task<string> RelayAndVerifyAsync(Provisioning.ApiTestHost host, TestDnsServer dns, TestSmtpServer receiver)
    {
        var before = receiver.Messages.Count;
        var message = await QueueAsync(host, "acme", "sales@acme.test", "buyer@remote.test", "Offer");
        await host.Function<OutboundRelayFunction>().Run(JsonText(message), CancellationToken.None);
        var received = MimeMessage.Load(new MemoryStream(receiver.Messages[before].Data));
        var signature = received.Headers[received.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.True(await new DkimVerifier(new DnsDkimPublicKeyLocator(new LookupClient(dns.EndPoint))).VerifyAsync(received, signature));
        return signature.Value.Split(';', StringSplitOptions.TrimEntries).Single(t => t.StartsWith("s=", StringComparison.Ordinal))[2..];
    }

    [Fact]
    public async Task A_rotation_lists_both_keys_and_signing_switches_to_the_new_selector_once_DNS_serves_its_record()
    {
        var (host, dns, port) = await OutboundFunctionTests.StartAsync();
        await using var _ = host;
        using var __ = dns;
        var domains = host.Function<DomainsFunction>();
        var created = await CreateDomainAsync(host);
        var first = Assert.Single(DkimRecords(created));
        dns.AddTxt(first.GetProperty("name").GetString()!, first.GetProperty("value").GetString()!);
        dns.AddMx("remote.test", 10, "mx.remote.test");
        dns.AddA("mx.remote.test", "127.0.0.69");
        await using var receiver = TestSmtpServer.Start("127.0.0.69", port);
        var oldSelector = created.Str("dkimSelector");

        var rotated = Expect(await Send(Request("POST", AdminKey), r => domains.RotateDkim(r, "acme", "acme.test")), "RotateDkim", 200);
        var newSelector = rotated.Str("dkimNextSelector");
        Assert.NotEqual(oldSelector, newSelector);
        Assert.Equal(oldSelector, rotated.Str("dkimSelector"));
        Assert.Equal<string>([oldSelector, newSelector], DkimRecords(rotated).Select(r => r.GetProperty("name").GetString()!.Split('.')[0]).ToList());
        Expect(await Send(Request("POST", AdminKey), r => domains.RotateDkim(r, "acme", "acme.test")), "RotateDkim", 409); // one rotation at a time

        // Not in DNS yet: the hourly check leaves signing with the old key.
        var rotation = host.Services.GetRequiredService<DkimRotation>();
        Assert.Equal(0, await rotation.AdvanceAsync());
        Assert.Equal(oldSelector, await RelayAndVerifyAsync(host, dns, receiver));

        // The operator publishes it: the next check switches, and the old record stays listed while it retires.
        var next = DkimRecords(rotated).Last();
        dns.AddTxt(next.GetProperty("name").GetString()!, next.GetProperty("value").GetString()!);
        Assert.Equal(1, await rotation.AdvanceAsync());
        Assert.Equal(newSelector, await RelayAndVerifyAsync(host, dns, receiver));
        var switched = Expect(await Send(Request("GET", AdminKey), r => domains.Get(r, "acme", "acme.test")), "GetDomain", 200);
        Assert.Equal(newSelector, switched.Str("dkimSelector"));
        Assert.Equal(oldSelector, switched.Str("dkimRetiringSelector"));
        Assert.Equal(JsonValueKind.Null, switched.Body.GetProperty("dkimNextSelector").ValueKind);
        Assert.Equal<string>([newSelector, oldSelector], DkimRecords(switched).Select(r => r.GetProperty("name").GetString()!.Split('.')[0]).ToList());
        Expect(await Send(Request("POST", AdminKey), r => domains.RotateDkim(r, "acme", "acme.test")), "RotateDkim", 409); // the old key has not retired
    }

    [Fact]
    public async Task Without_the_record_signing_switches_after_the_delay_and_the_old_key_retires_after_the_next()
    {
        var (host, dns, _) = await OutboundFunctionTests.StartAsync(extra: new Dictionary<string, string?>
        {
            ["Mail:Provisioning:DkimSwitchAfter"] = "00:00:00",
            ["Mail:Provisioning:DkimRetireAfter"] = "00:00:00",
        });
        await using var __ = host;
        using var ___ = dns;
        var domains = host.Function<DomainsFunction>();
        var oldSelector = (await CreateDomainAsync(host)).Str("dkimSelector");
        var newSelector = Expect(await Send(Request("POST", AdminKey), r => domains.RotateDkim(r, "acme", "acme.test")), "RotateDkim", 200).Str("dkimNextSelector");

        var rotation = host.Services.GetRequiredService<DkimRotation>();
        Assert.Equal(1, await rotation.AdvanceAsync()); // switched by the delay
        Assert.Equal(1, await rotation.AdvanceAsync()); // retired
        var done = Expect(await Send(Request("GET", AdminKey), r => domains.Get(r, "acme", "acme.test")), "GetDomain", 200);
        Assert.Equal(newSelector, done.Str("dkimSelector"));
        Assert.Equal(JsonValueKind.Null, done.Body.GetProperty("dkimRetiringSelector").ValueKind);
        Assert.Equal(newSelector, Assert.Single(DkimRecords(done)).GetProperty("name").GetString()!.Split('.')[0]);
        Assert.Null(await host.Services.GetRequiredService<DkimKeyStore>().GetAsync("acme.test", oldSelector));
        Assert.Equal(0, await rotation.AdvanceAsync());
    }
}

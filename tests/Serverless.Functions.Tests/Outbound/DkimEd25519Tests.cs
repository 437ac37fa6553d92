using System.Text.Json;
using DnsClient;
using MimeKit;
using MimeKit.Cryptography;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Functions.Tests.Provisioning;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Outbound.OutboundFunctionTests;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Outbound;

/// <summary>Issue 21: a domain that asks for it signs relayed mail twice, rsa-sha256 and ed25519-sha256 (RFC 8463), each verified by MimeKit against the loopback DNS.</summary>
public sealed class DkimEd25519Tests
{
    private static List<JsonElement> DkimRecords(ApiResponseMessage domain) =>
        domain.Body.GetProperty("dnsRecords").EnumerateArray().Where(r => r.GetProperty("name").GetString()!.Contains("._domainkey.", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task A_domain_asking_for_ed25519_gets_its_record_and_both_signatures_verify()
    {
        var (host, dns, port) = await OutboundFunctionTests.StartAsync();
        await using var _ = host;
        using var __ = dns;
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201);
        var domains = host.Function<DomainsFunction>();
        var created = Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        Assert.Single(DkimRecords(created));
        dns.AddMx("remote.test", 10, "mx.remote.test");
        dns.AddA("mx.remote.test", "127.0.0.75");
        await using var receiver = TestSmtpServer.Start("127.0.0.75", port);

        var updated = Expect(await Send(Request("PATCH", AdminKey, new { dkimEd25519 = true }), r => domains.Update(r, "acme", "acme.test")), "UpdateDomain", 200);
        var selector = updated.Str("dkimEd25519Selector");
        var records = DkimRecords(updated);
        Assert.Equal(2, records.Count);
        var ed25519 = Assert.Single(records, r => r.GetProperty("value").GetString()!.Contains("k=ed25519", StringComparison.Ordinal));
        Assert.Equal($"{selector}._domainkey.acme.test", ed25519.GetProperty("name").GetString());
        // RFC 8463 section 4: the raw 32-byte key, not a SubjectPublicKeyInfo.
        var p = ed25519.GetProperty("value").GetString()!.Split(';', StringSplitOptions.TrimEntries).Single(t => t.StartsWith("p=", StringComparison.Ordinal))[2..];
        Assert.Equal(32, Convert.FromBase64String(p).Length);
        foreach (var record in records)
        {
            dns.AddTxt(record.GetProperty("name").GetString()!, record.GetProperty("value").GetString()!);
        }
        // Asking again changes nothing.
        var again = Expect(await Send(Request("PATCH", AdminKey, new { dkimEd25519 = true }), r => domains.Update(r, "acme", "acme.test")), "UpdateDomain", 200);
        Assert.Equal(selector, again.Str("dkimEd25519Selector"));

        var signatures = await RelayAsync(host, dns, receiver);
        Assert.Equal(["ed25519-sha256", "rsa-sha256"], signatures.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(selector, signatures["ed25519-sha256"]);

        // Off again: the record goes, and so does the second signature.
        var off = Expect(await Send(Request("PATCH", AdminKey, new { dkimEd25519 = false }), r => domains.Update(r, "acme", "acme.test")), "UpdateDomain", 200);
        Assert.Equal(JsonValueKind.Null, off.Body.GetProperty("dkimEd25519Selector").ValueKind);
        Assert.Single(DkimRecords(off));
        Assert.Equal(["rsa-sha256"], (await RelayAsync(host, dns, receiver)).Keys.ToArray());
        Expect(await Send(Request("PATCH", AdminKey, new { dkimEd25519 = true }), r => domains.Update(r, "acme", "nowhere.test")), "UpdateDomain", 404);
    }

    /// <summary>Relays one message; every DKIM signature on it must verify. Returns algorithm → selector.</summary>
    private static async Task<Dictionary<string, string>> RelayAsync(ApiTestHost host, TestDnsServer dns, TestSmtpServer receiver)
    {
        var before = receiver.Messages.Count;
        var message = await QueueAsync(host, "acme", "sales@acme.test", "buyer@remote.test", "Offer");
        await host.Function<OutboundRelayFunction>().Run(JsonText(message), CancellationToken.None);
        var received = MimeMessage.Load(new MemoryStream(receiver.Messages[before].Data));
        var verifier = new DkimVerifier(new DnsDkimPublicKeyLocator(new LookupClient(dns.EndPoint)));
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in received.Headers.Where(h => h.Id == HeaderId.DkimSignature))
        {
            Assert.True(await verifier.VerifyAsync(received, header), "DKIM signature did not verify: " + header.Value);
            var tags = header.Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToDictionary(t => t[..t.IndexOf('=', StringComparison.Ordinal)], t => t[(t.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            found[tags["a"]] = tags["s"];
        }
        return found;
    }
}

using System.Text.Json;
using Serverless.Functions.Http;
using Serverless.Functions.Tests.Provisioning;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.ClientSetup;

/// <summary>
/// GET …/domains/{name}/dns-check against a DNS server on loopback: each record of dnsRecords and
/// the verification record comes back ok, missing or different with what was found, and the MX host
/// is compared with the MX listener's configured address.
/// </summary>
public sealed class DnsCheckTests
{
    [Fact]
    public async Task Dns_check_reports_each_record_ok_missing_or_different_and_where_the_mx_host_points()
    {
        using var dns = new TestDnsServer();
        await using var api = await StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Dns:Servers"] = dns.Setting,
            ["Mail:Listeners:HostName"] = "mail.mail.test",
            ["Mail:Provisioning:WebHost"] = "web.mail.test",
            ["Mail:Provisioning:MxAddresses:0"] = "192.0.2.25",
            ["Mail:Provisioning:RequireDomainVerification"] = "true",
        });
        var domains = api.Function<DomainsFunction>();
        await Send(Request("POST", AdminKey, new { id = "acme" }), r => api.Function<TenantsFunction>().Create(r));
        var domain = Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        var records = domain.Body.GetProperty("dnsRecords").EnumerateArray()
            .Select(r => (Type: r.GetProperty("type").GetString()!, Name: r.GetProperty("name").GetString()!, Value: r.GetProperty("value").GetString()!)).ToList();
        var verification = domain.Body.GetProperty("verification");

        // Published as asked: MX, DKIM, the autoconfig CNAME, the IMAPS SRV record, the verification record.
        dns.AddMx("acme.test", 10, "mx.mail.test");
        var dkim = records.Single(r => r.Name.Contains("._domainkey.", StringComparison.Ordinal));
        dns.AddTxt(dkim.Name, dkim.Value);
        dns.AddCname("autoconfig.acme.test", "web.mail.test");
        dns.AddSrv("_imaps._tcp.acme.test", 0, 1, 993, "mail.mail.test");
        dns.AddTxt(verification.GetProperty("name").GetString()!, verification.GetProperty("value").GetString()!);
        // Published wrong: SPF with other mechanisms, DMARC with another policy, a SRV record on another port.
        dns.AddTxt("acme.test", "v=spf1 include:elsewhere.example -all");
        dns.AddTxt("acme.test", "google-site-verification=abc");
        dns.AddTxt("_dmarc.acme.test", "v=DMARC1; p=none");
        dns.AddSrv("_submissions._tcp.acme.test", 0, 1, 2465, "mail.mail.test");
        // The MX host resolves, but not to the MX listener's address.
        dns.AddA("mx.mail.test", "198.51.100.7");

        var check = Expect(await Send(Request("GET", AdminKey), r => domains.CheckDns(r, "acme", "acme.test")), "CheckDomainDns", 200);
        Assert.Equal("acme.test", check.Str("domain"));
        var results = check.Body.GetProperty("records").EnumerateArray().ToDictionary(
            r => (r.GetProperty("type").GetString()!, r.GetProperty("name").GetString()!),
            r => (Status: r.GetProperty("status").GetString()!, Found: r.GetProperty("found").EnumerateArray().Select(f => f.GetString()!).ToList()));
        Assert.Equal(records.Count + 1, results.Count);
        Assert.Equal("ok", results[("MX", "acme.test")].Status);
        Assert.Equal(["10 mx.mail.test."], results[("MX", "acme.test")].Found);
        Assert.Equal("ok", results[("TXT", dkim.Name)].Status);
        Assert.Equal("ok", results[("CNAME", "autoconfig.acme.test")].Status);
        Assert.Equal("ok", results[("SRV", "_imaps._tcp.acme.test")].Status);
        Assert.Equal("ok", results[("TXT", "_serverless-mail.acme.test")].Status);
        Assert.Equal("different", results[("TXT", "acme.test")].Status);
        Assert.Contains("v=spf1 include:elsewhere.example -all", results[("TXT", "acme.test")].Found);
        Assert.Equal("different", results[("TXT", "_dmarc.acme.test")].Status);
        Assert.Equal("different", results[("SRV", "_submissions._tcp.acme.test")].Status);
        Assert.Equal(["0 1 2465 mail.mail.test."], results[("SRV", "_submissions._tcp.acme.test")].Found);
        Assert.Equal("missing", results[("CNAME", "autodiscover.acme.test")].Status);
        Assert.Empty(results[("CNAME", "autodiscover.acme.test")].Found);
        Assert.Equal("missing", results[("TXT", "_mta-sts.acme.test")].Status);
        Assert.Equal("missing", results[("SRV", "_pop3._tcp.acme.test")].Status);

        var mx = check.Body.GetProperty("mxHost");
        Assert.Equal("mx.mail.test", mx.GetProperty("name").GetString());
        Assert.Equal("different", mx.GetProperty("status").GetString());
        Assert.Equal(new List<string> { "198.51.100.7" }, mx.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()!).ToList());
        Assert.Equal(new List<string> { "192.0.2.25" }, mx.GetProperty("expected").EnumerateArray().Select(a => a.GetString()!).ToList());

        // Once the MX host points at the listener it is ok; another tenant's key sees nothing.
        dns.AddA("mx.mail.test", "192.0.2.25");
        var again = Expect(await Send(Request("GET", AdminKey), r => domains.CheckDns(r, "acme", "acme.test")), "CheckDomainDns", 200);
        Assert.Equal("ok", again.Body.GetProperty("mxHost").GetProperty("status").GetString());
        Expect(await Send(Request("GET", AdminKey), r => domains.CheckDns(r, "acme", "other.test")), "CheckDomainDns", 404);
    }

    [Fact]
    public async Task A_dns_server_failure_is_reported_as_error_not_as_missing()
    {
        using var dns = new TestDnsServer();
        await using var api = await StartAsync(new Dictionary<string, string?> { ["Mail:Dns:Servers"] = dns.Setting });
        await Send(Request("POST", AdminKey, new { id = "acme" }), r => api.Function<TenantsFunction>().Create(r));
        await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => api.Function<DomainsFunction>().Create(r, "acme"));
        dns.SetFailing("_dmarc.acme.test");
        var check = Expect(await Send(Request("GET", AdminKey), r => api.Function<DomainsFunction>().CheckDns(r, "acme", "acme.test")), "CheckDomainDns", 200);
        var dmarc = check.Body.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "_dmarc.acme.test");
        Assert.Equal("error", dmarc.GetProperty("status").GetString());
        Assert.Equal("unchecked", check.Body.GetProperty("mxHost").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Array, check.Body.GetProperty("mxHost").GetProperty("addresses").ValueKind);
    }
}

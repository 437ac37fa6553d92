using System.Text.Json;
using Serverless.Cli.Rendering;
using Xunit;
using static Serverless.Cli.Tests.SmailSessionTests;

namespace Serverless.Cli.Tests;

/// <summary><c>domains dns-check</c> against the stack's loopback DNS server: a ✓ or ✗ per record, and an exit code scripts can wait on.</summary>
[Collection(CliCollection.Name)]
public sealed class DnsCheckTableTests(CliStackFixture fixture)
{
    private readonly SmailRunner _cli = new(fixture.Stack);

    [Fact]
    public async Task Dns_check_ticks_published_records_crosses_the_rest_and_exits_zero_once_all_are_published()
    {
        Ok(await _cli.AdminAsync("tenants", "add", "dnsco"));
        var domain = Json(Ok(await _cli.AdminAsync("domains", "add", "dnsco.test", "-t", "dnsco", "--json")));
        var records = domain.GetProperty("dnsRecords").EnumerateArray()
            .Select(r => (Type: r.GetProperty("type").GetString()!, Name: r.GetProperty("name").GetString()!, Value: r.GetProperty("value").GetString()!)).ToList();
        var dns = fixture.Stack.Dns;
        var mx = records.Single(r => r.Type == "MX");
        var dkim = records.Single(r => r.Name.Contains("._domainkey.", StringComparison.Ordinal));
        Publish(mx);
        Publish(dkim);
        dns.AddTxt("_dmarc.dnsco.test", "v=DMARC1; p=none");

        var check = await _cli.AdminAsync("domains", "dns-check", "dnsco.test", "-t", "dnsco");
        Assert.True(check.Code == ExitCodes.DnsNotReady, check.ToString());
        Assert.Equal(new[] { DomainViews.Ok, "ok" }, Row(check, "MX", "dnsco.test")[..2]);
        Assert.Equal(new[] { DomainViews.Ok, "ok" }, Row(check, "TXT", dkim.Name)[..2]);
        var dmarc = Row(check, "TXT", "_dmarc.dnsco.test");
        Assert.Equal(new[] { DomainViews.NotOk, "different", "v=DMARC1; p=none" }, dmarc);
        Assert.Equal(new[] { DomainViews.NotOk, "missing", "" }, Row(check, "CNAME", "autodiscover.dnsco.test"));
        Assert.Contains("- MX host", check.Out, StringComparison.Ordinal); // no MxAddresses configured: unchecked

        // Everything published as asked (DMARC corrected): all ✓, exit 0.
        foreach (var record in records.Where(r => r != mx && r != dkim))
        {
            Publish(record);
        }
        if (domain.GetProperty("verification") is { ValueKind: JsonValueKind.Object } verification)
        {
            dns.AddTxt(verification.GetProperty("name").GetString()!, verification.GetProperty("value").GetString()!);
        }
        var again = await _cli.AdminAsync("domains", "dns-check", "dnsco.test", "-t", "dnsco");
        Assert.True(again.Code == ExitCodes.Ok, again.ToString());
        Assert.DoesNotContain(DomainViews.NotOk, again.Out, StringComparison.Ordinal);
        Assert.All(records, r => Assert.Equal(DomainViews.Ok, Row(again, r.Type, r.Name)[0]));

        // --json is the API's answer.
        var json = Json(await _cli.AdminAsync("domains", "dns-check", "dnsco.test", "-t", "dnsco", "--json"));
        Assert.All(json.GetProperty("records").EnumerateArray(), r => Assert.Equal("ok", r.GetProperty("status").GetString()));
    }

    /// <summary>One record as the API asked for it: zone-file values ("10 host.", "0 1 465 host.", "target.").</summary>
    private void Publish((string Type, string Name, string Value) record)
    {
        var dns = fixture.Stack.Dns;
        var parts = record.Value.Split(' ');
        switch (record.Type)
        {
            case "MX":
                dns.AddMx(record.Name, ushort.Parse(parts[0]), parts[1].TrimEnd('.') is "" ? "." : parts[1].TrimEnd('.'));
                break;
            case "SRV":
                dns.AddSrv(record.Name, ushort.Parse(parts[0]), ushort.Parse(parts[1]), ushort.Parse(parts[2]), parts[3].TrimEnd('.') is "" ? "." : parts[3].TrimEnd('.'));
                break;
            case "CNAME":
                dns.AddCname(record.Name, record.Value.TrimEnd('.'));
                break;
            default:
                dns.AddTxt(record.Name, record.Value);
                break;
        }
    }

    /// <summary>The table row of one record: its mark, status and what was found (first line of the cell).</summary>
    private static string[] Row(SmailResult result, string type, string name)
    {
        foreach (var line in result.Out.Split('\n'))
        {
            var cells = line.Split('│').Select(c => c.Trim()).ToArray();
            if (cells.Length == 7 && cells[2] == type && cells[3] == name)
            {
                return [cells[1], cells[4], cells[5]];
            }
        }
        throw new Xunit.Sdk.XunitException($"no row for {type} {name} in:\n{result.Out}");
    }
}

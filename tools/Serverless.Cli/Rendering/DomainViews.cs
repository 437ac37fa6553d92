using Serverless.Cli.Api;

namespace Serverless.Cli.Rendering;

/// <summary>A domain's DNS records to publish, and the DNS check as a table of ✓/✗.</summary>
public static class DomainViews
{
    public const string Ok = "✓";
    public const string NotOk = "✗";

    /// <summary>The status, the verification record while pending, and every record — one per line, values unwrapped so they can be copied.</summary>
    public static void Records(CliOutput output, Domain domain)
    {
        output.Line($"{domain.Name}: {domain.Status}");
        if (domain.Verification is { } v && domain.Status != "verified")
        {
            output.Line("Publish to prove the domain is yours, then run `domains verify`:");
            output.Line(RecordLine(v));
        }
        output.Line("Records to publish:");
        foreach (var record in domain.DnsRecords)
        {
            output.Line(RecordLine(record));
        }
    }

    private static string RecordLine(DnsRecord r) => $"  {r.Type,-6} {r.Name,-45} {r.Value}";

    public static void DnsCheck(CliOutput output, DnsCheck check)
    {
        var table = Tables.Of("", "Type", "Name", "Status", "Found");
        foreach (var r in check.Records)
        {
            table.Row(r.Status == "ok" ? Ok : NotOk, r.Type, r.Name, r.Status, r.Status == "ok" ? "" : string.Join(" | ", r.Found));
        }
        Tables.Write(output, table, check.Records.Count);
        var mx = check.MxHost;
        var mark = mx.Status switch { "ok" => Ok, "unchecked" => "-", _ => NotOk };
        var where = mx.Addresses.Count == 0 ? "no address" : string.Join(", ", mx.Addresses);
        var expected = mx.Expected.Count == 0 ? "" : $" (expected {string.Join(", ", mx.Expected)})";
        output.Line($"{mark} MX host {mx.Name}: {mx.Status}, {where}{expected}");
    }

    /// <summary>Whether every record is as it should be and the MX host points where it should (or is not checked).</summary>
    public static bool AllOk(DnsCheck check) =>
        check.Records.All(r => r.Status == "ok") && check.MxHost.Status is "ok" or "unchecked";
}

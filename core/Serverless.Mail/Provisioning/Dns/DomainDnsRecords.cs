using System.Globalization;
using Serverless.Mail.Provisioning.Dkim;

namespace Serverless.Mail.Provisioning.Dns;

/// <summary>One record to publish in the domain's zone. <see cref="Value"/> is in zone-file form without quotes.</summary>
public sealed record DnsRecord(string Type, string Name, string Value);

/// <summary>
/// The records a tenant publishes so the domain receives mail here and its mail is trusted:
/// MX (RFC 5321 5.1), SPF (RFC 7208), DKIM (RFC 6376 3.6.2), DMARC (RFC 7489 6.1),
/// MTA-STS (RFC 8461 3.1) and TLS-RPT (RFC 8460 3).
/// </summary>
public sealed class DomainDnsRecords(ProvisioningOptions options)
{
    /// <summary>The records for a domain; the DKIM record only when its key is given.</summary>
    public IReadOnlyList<DnsRecord> For(string domain, DkimKey? dkim, DateTimeOffset domainCreatedAt)
    {
        var mailHost = options.MailHost.TrimEnd('.');
        var reports = $"mailto:{options.ReportLocalPart}@{domain}";
        var records = new List<DnsRecord>
        {
            new("MX", domain, $"{options.MxPreference} {mailHost}."),
            new("TXT", domain, $"v=spf1 {options.SpfMechanisms} ~all"),
            new("TXT", "_dmarc." + domain, $"v=DMARC1; p={options.DmarcPolicy}; rua={reports}; adkim=r; aspf=r"),
            // The id changes when the policy does; the domain's creation time is stable until then.
            new("TXT", "_mta-sts." + domain, "v=STSv1; id=" + domainCreatedAt.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)),
            new("TXT", "_smtp._tls." + domain, $"v=TLSRPTv1; rua={reports}"),
        };
        if (dkim is not null)
        {
            records.Insert(2, new("TXT", dkim.RecordName, dkim.RecordValue));
        }
        if (!string.IsNullOrWhiteSpace(options.MtaStsPolicyHost))
        {
            records.Add(new("CNAME", "mta-sts." + domain, options.MtaStsPolicyHost.TrimEnd('.') + "."));
        }
        return records;
    }

    /// <summary>
    /// The MTA-STS policy (RFC 8461 3.2) to serve at <c>https://mta-sts.{domain}/.well-known/mta-sts.txt</c>.
    /// </summary>
    public string MtaStsPolicy() =>
        $"version: STSv1\r\nmode: {options.MtaStsMode}\r\nmx: {options.MailHost.TrimEnd('.')}\r\nmax_age: 604800\r\n";
}

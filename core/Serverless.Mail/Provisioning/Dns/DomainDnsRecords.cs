using System.Globalization;
using Serverless.Mail.Provisioning.Dkim;

namespace Serverless.Mail.Provisioning.Dns;

/// <summary>One record to publish in the domain's zone. <see cref="Value"/> is in zone-file form without quotes.</summary>
public sealed record DnsRecord(string Type, string Name, string Value);

/// <summary>
/// The records a tenant publishes so the domain receives mail here and its mail is trusted:
/// MX (RFC 5321 5.1), SPF (RFC 7208), DKIM (RFC 6376 3.6.2), DMARC (RFC 7489 6.1),
/// MTA-STS (RFC 8461 3.1) and TLS-RPT (RFC 8460 3); for mail clients the CNAMEs of the hosts
/// their autoconfiguration asks (<c>autoconfig.</c>, <c>autodiscover.</c>; <c>mta-sts.</c> for
/// MTA-STS) and the SRV records of RFC 6186 / RFC 8314 (target "." for a service not offered).
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
        var webHost = (options.WebHost ?? options.MtaStsPolicyHost ?? mailHost).TrimEnd('.') + ".";
        records.Add(new("CNAME", "mta-sts." + domain, webHost));
        records.Add(new("CNAME", "autoconfig." + domain, webHost));
        records.Add(new("CNAME", "autodiscover." + domain, webHost));
        var clientHost = (options.ClientHost ?? mailHost).TrimEnd('.');
        var ports = options.ClientPorts;
        // RFC 8314 5.1: implicit TLS first (priority 0), the STARTTLS services after it (priority 10).
        records.Add(Srv("_submissions._tcp." + domain, 0, ports.Submissions, clientHost));
        records.Add(Srv("_imaps._tcp." + domain, 0, ports.Imaps, clientHost));
        records.Add(Srv("_pop3s._tcp." + domain, 0, ports.Pop3s, clientHost));
        records.Add(Srv("_submission._tcp." + domain, 10, ports.Submission, clientHost));
        records.Add(Srv("_imap._tcp." + domain, 10, ports.Imap, clientHost));
        records.Add(Srv("_pop3._tcp." + domain, 10, ports.Pop3, clientHost));
        return records;
    }

    /// <summary>RFC 2782 value <c>priority weight port target</c>; RFC 6186 3.4: "0 0 0 ." says the service is not offered.</summary>
    private static DnsRecord Srv(string name, int priority, int port, string host) =>
        new("SRV", name, port > 0 ? $"{priority} 1 {port} {host}." : "0 0 0 .");

    /// <summary>
    /// The MTA-STS policy (RFC 8461 3.2) to serve at <c>https://mta-sts.{domain}/.well-known/mta-sts.txt</c>.
    /// </summary>
    public string MtaStsPolicy() =>
        $"version: STSv1\r\nmode: {options.MtaStsMode}\r\nmx: {options.MailHost.TrimEnd('.')}\r\nmax_age: {options.MtaStsMaxAge.ToString(CultureInfo.InvariantCulture)}\r\n";
}

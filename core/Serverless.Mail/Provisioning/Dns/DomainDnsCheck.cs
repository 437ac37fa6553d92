using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Serverless.Mail.Outbound;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Mail.Provisioning.Dns;

/// <summary>One record of the domain as DNS has it: <c>ok</c>, <c>missing</c>, <c>different</c> (a record of its kind is there with another value) or <c>error</c> (DNS did not answer).</summary>
public sealed record DnsRecordCheck(string Type, string Name, string Expected, string Status, IReadOnlyList<string> Found);

/// <summary>
/// Whether the MX host resolves to the MX listener's public addresses (<c>Mail:Provisioning:MxAddresses</c>):
/// <c>ok</c>, <c>different</c>, <c>missing</c> (no A/AAAA), <c>error</c>, or <c>unchecked</c> when no address is configured.
/// </summary>
public sealed record MxHostCheck(string Name, string Status, IReadOnlyList<string> Addresses, IReadOnlyList<string> Expected);

public sealed record DnsCheckView(string Domain, IReadOnlyList<DnsRecordCheck> Records, MxHostCheck MxHost);

/// <summary>
/// Looks up each record a domain should publish (its <c>dnsRecords</c> and, while it has one, the
/// verification TXT record) on <c>Mail:Dns:Servers</c>, without the shared cache (a record just
/// published must count), and compares: MX by exchange host, SRV by port and target, CNAME by
/// target, TXT by exact value — a TXT record of the same kind (same <c>v=</c> tag) with another
/// value is <c>different</c>.
/// </summary>
public sealed class DomainDnsCheck
{
    private readonly DomainProvisioning _domains;
    private readonly ProvisioningOptions _options;
    private readonly LookupClient _dns;

    public DomainDnsCheck(DomainProvisioning domains, MailDns dns, ProvisioningOptions options)
    {
        ArgumentNullException.ThrowIfNull(dns);
        _domains = domains;
        _options = options;
        _dns = new LookupClient(new LookupClientOptions([.. dns.Client.NameServers])
        {
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(5),
            Retries = 1,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            UseTcpFallback = true,
        });
    }

    public async Task<ProvisioningOutcome<DnsCheckView>> CheckAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        var found = await _domains.GetAsync(tenant, name, cancellationToken).ConfigureAwait(false);
        if (found.Error is { } error)
        {
            return error;
        }
        var domain = found.Value!;
        var wanted = domain.DnsRecords.ToList();
        if (domain.Verification is { } v)
        {
            wanted.Add(new DnsRecord(v.Type, v.Name, v.Value));
        }
        var checks = await Task.WhenAll(wanted.Select(r => CheckAsync(r, cancellationToken))).ConfigureAwait(false);
        return new DnsCheckView(domain.Name, checks, await CheckMxHostAsync(cancellationToken).ConfigureAwait(false));
    }

    private async Task<DnsRecordCheck> CheckAsync(DnsRecord record, CancellationToken cancellationToken)
    {
        var type = record.Type switch
        {
            "MX" => QueryType.MX,
            "TXT" => QueryType.TXT,
            "CNAME" => QueryType.CNAME,
            "SRV" => QueryType.SRV,
            _ => throw new InvalidOperationException("No check for record type " + record.Type),
        };
        IDnsQueryResponse response;
        try
        {
            response = await _dns.QueryAsync(record.Name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException e)
        {
            return new DnsRecordCheck(record.Type, record.Name, record.Value, "error", [e.Message]);
        }
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            return new DnsRecordCheck(record.Type, record.Name, record.Value, "error", [response.ErrorMessage]);
        }
        var values = response.Answers.Where(a => a.RecordType == (ResourceRecordType)type).Select(Value).ToList();
        var key = Key(record.Type, record.Value);
        string status;
        if (values.Any(f => Key(record.Type, f) == key))
        {
            status = "ok";
        }
        else if (record.Type != "TXT" ? values.Count > 0 : values.Any(f => f.StartsWith(TxtTag(record.Value), StringComparison.OrdinalIgnoreCase)))
        {
            status = "different";
        }
        else
        {
            status = "missing";
        }
        return new DnsRecordCheck(record.Type, record.Name, record.Value, status, values);
    }

    private async Task<MxHostCheck> CheckMxHostAsync(CancellationToken cancellationToken)
    {
        var host = _options.MailHost.TrimEnd('.');
        var expected = _options.MxAddresses.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => IPAddress.TryParse(a.Trim(), out var ip) ? ip.ToString() : a.Trim()).ToList();
        var addresses = new List<string>();
        try
        {
            foreach (var type in new[] { QueryType.A, QueryType.AAAA })
            {
                var response = await _dns.QueryAsync(host, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
                if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
                {
                    return new MxHostCheck(host, "error", [response.ErrorMessage], expected);
                }
                // DnsClient follows a CNAME in the answer: the addresses are the target's.
                addresses.AddRange(response.Answers.OfType<AddressRecord>().Select(a => a.Address.ToString()));
            }
        }
        catch (DnsResponseException e)
        {
            return new MxHostCheck(host, "error", [e.Message], expected);
        }
        var status = expected.Count == 0 ? "unchecked"
            : addresses.Count == 0 ? "missing"
            : addresses.Any(expected.Contains) ? "ok" : "different";
        return new MxHostCheck(host, status, addresses.Distinct().ToList(), expected);
    }

    /// <summary>A found record in the zone-file form <see cref="DomainDnsRecords"/> writes.</summary>
    private static string Value(DnsResourceRecord answer) => answer switch
    {
        MxRecord mx => $"{mx.Preference} {mx.Exchange.Value}",
        TxtRecord txt => string.Concat(txt.Text),
        CNameRecord cname => cname.CanonicalName.Value,
        SrvRecord srv => $"{srv.Priority} {srv.Weight} {srv.Port} {srv.Target.Value}",
        _ => answer.ToString(),
    };

    /// <summary>What must match: MX its host, SRV port and target, CNAME its target, TXT the value with spaces normalised.</summary>
    private static string Key(string type, string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return type switch
        {
            "MX" => Host(parts[^1]),
            "SRV" => parts.Length >= 4 ? parts[2] + " " + Host(parts[3]) : value,
            "CNAME" => Host(value),
            _ => string.Join(' ', parts),
        };
    }

    private static string Host(string name) => name.Trim().TrimEnd('.').ToLowerInvariant() is { Length: 0 } ? "." : name.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>The kind of a TXT record: its <c>v=…</c> tag, or the name before <c>=</c> (<c>serverless-mail-verify=</c>).</summary>
    private static string TxtTag(string value)
    {
        var first = value.Split([';', ' '], 2)[0];
        return first.StartsWith("v=", StringComparison.OrdinalIgnoreCase) ? first : first[..(first.IndexOf('=', StringComparison.Ordinal) + 1)];
    }
}

using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Serverless.Mail.Outbound;

/// <summary>A host to deliver to, with its addresses in the order to try them.</summary>
public sealed record MxHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses);

/// <summary>The hosts of a domain, best first, or why there are none (a status for every recipient).</summary>
public sealed record MxLookup(IReadOnlyList<MxHost> Hosts, DeliveryStatus? Failure);

/// <summary>
/// Finds where mail for a domain goes (RFC 5321 5.1): MX records by preference, random among
/// equals; no MX → the domain's own A/AAAA (implicit MX); a null MX (RFC 7505) or a domain that
/// does not exist is a permanent failure; DNS trouble is a temporary one.
/// </summary>
public sealed class MxResolver(MailDns dns)
{
    public async Task<MxLookup> LookupAsync(string domain, int maxHosts, CancellationToken cancellationToken = default)
    {
        var response = await dns.Client.QueryAsync(domain, QueryType.MX, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return Fail(DeliveryStatus.Permanent("5.1.2", $"DNS; {domain}: no such domain (NXDOMAIN)"));
        }
        if (response.HasError)
        {
            return Fail(DeliveryStatus.Temporary("4.4.3", $"DNS; {domain} MX lookup failed: {response.ErrorMessage}"));
        }
        var mx = response.Answers.MxRecords().ToList();
        if (mx.Count == 1 && IsRoot(mx[0].Exchange.Value))
        {
            return Fail(DeliveryStatus.Permanent("5.1.10", $"DNS; {domain} does not accept mail (null MX, RFC 7505)"));
        }
        mx.RemoveAll(r => IsRoot(r.Exchange.Value));
        if (mx.Count == 0)
        {
            // Implicit MX: the domain itself, if it has addresses.
            var addresses = await ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
            if (addresses.Failure is not null)
            {
                return Fail(addresses.Failure);
            }
            return addresses.Addresses.Count == 0
                ? Fail(DeliveryStatus.Permanent("5.4.4", $"DNS; {domain} has neither MX nor address records"))
                : new MxLookup([new MxHost(domain, 0, addresses.Addresses)], null);
        }

        var ordered = mx
            .GroupBy(r => r.Preference)
            .OrderBy(g => g.Key)
            .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
            .Select(r => (Name: r.Exchange.Value.TrimEnd('.').ToLowerInvariant(), r.Preference))
            .DistinctBy(r => r.Name)
            .Take(maxHosts)
            .ToList();
        var resolved = await Task.WhenAll(ordered.Select(r => ResolveAsync(r.Name, cancellationToken))).ConfigureAwait(false);
        var hosts = new List<MxHost>();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (resolved[i].Addresses.Count > 0)
            {
                hosts.Add(new MxHost(ordered[i].Name, ordered[i].Preference, resolved[i].Addresses));
            }
        }
        return hosts.Count > 0
            ? new MxLookup(hosts, null)
            : Fail(DeliveryStatus.Temporary("4.4.3", $"DNS; no address found for any MX host of {domain} ({string.Join(", ", ordered.Select(o => o.Name))})"));
    }

    /// <summary>A host's IPv4 then IPv6 addresses (most networks that send mail have v4; v6 is the fallback).</summary>
    public async Task<(IReadOnlyList<IPAddress> Addresses, DeliveryStatus? Failure)> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return ([literal], null);
        }
        var a = dns.Client.QueryAsync(host, QueryType.A, cancellationToken: cancellationToken);
        var aaaa = dns.Client.QueryAsync(host, QueryType.AAAA, cancellationToken: cancellationToken);
        var (ra, raaaa) = (await a.ConfigureAwait(false), await aaaa.ConfigureAwait(false));
        var list = ra.Answers.ARecords().Select(r => r.Address).Concat(raaaa.Answers.AaaaRecords().Select(r => r.Address)).Distinct().ToList();
        if (list.Count == 0 && ra.HasError && ra.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            return ([], DeliveryStatus.Temporary("4.4.3", $"DNS; address lookup of {host} failed: {ra.ErrorMessage}"));
        }
        return (list, null);
    }

    private static bool IsRoot(string name) => name is "." or "";

    private static MxLookup Fail(DeliveryStatus status) => new([], status);
}

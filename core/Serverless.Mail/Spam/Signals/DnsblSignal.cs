using System.Net;
using System.Net.Sockets;
using DnsClient;
using Serverless.Mail.Delivery.Authentication;

namespace Serverless.Mail.Spam.Signals;

/// <summary>
/// DNS blocklists (RFC 5782): the client address, nibbles or octets reversed, under each
/// <see cref="DnsblKind.Address"/> zone (<c>2.0.0.127.zen.spamhaus.org</c>; IPv6 as 32 reversed
/// nibbles); the envelope, HELO and From: domains under each <see cref="DnsblKind.Domain"/> zone
/// (RHSBL, <c>example.com.dbl.spamhaus.org</c>). Listed means an A record the zone counts
/// (<see cref="DnsblZone.Counts"/>). Each zone fires at most once, with its weight. Lookups go through
/// the shared resolver and its caches (an unlisted name's NXDOMAIN is cached for the SOA minimum); a
/// lookup that fails is no signal.
/// </summary>
public sealed class DnsblSignal(SpamOptions options, DnsAnswers dns) : IConnectionSignal, IMessageSignal
{
    public async Task<IReadOnlyList<SpamTest>> CheckAsync(SpamConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var domains = new List<string>();
        AddDomain(domains, Domain(connection.MailFrom));
        AddDomain(domains, connection.Helo);
        return await CheckAsync(connection.Client, domains, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The From: domain, when it is not the envelope's or the HELO's (those were asked at MAIL FROM).</summary>
    public async Task<IReadOnlyList<SpamTest>> CheckAsync(SpamSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var from = subject.Message?.From.Mailboxes.FirstOrDefault()?.Domain;
        var known = new List<string>();
        AddDomain(known, Domain(subject.Connection.MailFrom));
        AddDomain(known, subject.Connection.Helo);
        var domains = new List<string>();
        AddDomain(domains, from);
        domains.RemoveAll(known.Contains);
        return domains.Count == 0 ? [] : await CheckAsync(null, domains, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<SpamTest>> CheckAsync(IPAddress? client, List<string> domains, CancellationToken cancellationToken)
    {
        var lookups = new List<Task<SpamTest?>>();
        foreach (var zone in options.Dnsbl)
        {
            if (zone.Kind == DnsblKind.Address && client is not null)
            {
                lookups.Add(AskAsync(zone, [ReversedName(client) + "." + zone.Zone], cancellationToken));
            }
            else if (zone.Kind == DnsblKind.Domain && domains.Count > 0)
            {
                lookups.Add(AskAsync(zone, domains.Select(d => d + "." + zone.Zone).ToList(), cancellationToken));
            }
        }
        var results = await Task.WhenAll(lookups).ConfigureAwait(false);
        return results.Where(t => t is not null).Select(t => t!).ToList();
    }

    private async Task<SpamTest?> AskAsync(DnsblZone zone, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        foreach (var name in names)
        {
            try
            {
                var answers = await dns.AddressesAsync(name, ipv6: false, cancellationToken).ConfigureAwait(false);
                if (answers.Any(zone.Counts))
                {
                    return new SpamTest(zone.Name, zone.Weight);
                }
            }
            catch (DnsTemporaryException)
            {
                // an unreachable list is no signal
            }
        }
        return null;
    }

    /// <summary>
    /// RFC 5782 2.1 (IPv4: octets reversed) and 2.4 (IPv6: 32 nibbles reversed): the address's
    /// reverse-DNS name (DnsClient's, as PTR lookups use) without its in-addr.arpa / ip6.arpa suffix.
    /// </summary>
    public static string ReversedName(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var arpa = address.GetArpaName().TrimEnd('.');
        var suffix = address.AddressFamily == AddressFamily.InterNetwork ? ".in-addr.arpa" : ".ip6.arpa";
        return arpa[..^suffix.Length];
    }

    private static string? Domain(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? null : address[(at + 1)..];
    }

    private static void AddDomain(List<string> domains, string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.StartsWith('[') || IPAddress.TryParse(name, out _) || !name.Contains('.', StringComparison.Ordinal))
        {
            return;
        }
        var d = name.Trim().TrimEnd('.').ToLowerInvariant();
        if (!domains.Contains(d))
        {
            domains.Add(d);
        }
    }
}

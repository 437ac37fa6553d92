using System.Net;
using DnsClient;
using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Outbound;

/// <summary>
/// The one DNS client of a process (DnsClient), shared by MX lookups, MTA-STS and the SPF/DKIM
/// checks. <c>Mail:Dns:Servers</c> (comma-separated <c>ip</c> or <c>ip:port</c>) picks the
/// resolvers — tests point it at a DNS server on loopback; empty means the system's resolvers.
/// </summary>
public sealed class MailDns
{
    public const string ServersKey = "Mail:Dns:Servers";

    public MailDns(IConfiguration configuration)
        : this(ParseServers(configuration?[ServersKey]))
    {
    }

    public MailDns(IReadOnlyList<IPEndPoint> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var options = servers.Count == 0
            ? new LookupClientOptions()
            : new LookupClientOptions(servers.Select(s => new NameServer(s)).ToArray());
        options.UseCache = true;
        options.Timeout = TimeSpan.FromSeconds(5);
        options.Retries = 2;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.ContinueOnEmptyResponse = false;
        options.UseTcpFallback = true;
        Client = new LookupClient(options);
    }

    public ILookupClient Client { get; }

    public static IReadOnlyList<IPEndPoint> ParseServers(string? text)
    {
        var result = new List<IPEndPoint>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPEndPoint.TryParse(part, out var ep))
            {
                result.Add(ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep);
            }
            else
            {
                throw new FormatException($"{ServersKey}: '{part}' is not an ip or ip:port.");
            }
        }
        return result;
    }
}

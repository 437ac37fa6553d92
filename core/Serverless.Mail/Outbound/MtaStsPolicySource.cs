using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace Serverless.Mail.Outbound;

/// <summary>Fetches the policy text of a domain (RFC 8461 3.3); null when there is none or it cannot be had.</summary>
public interface IMtaStsPolicyFetcher
{
    Task<string?> FetchAsync(string domain, CancellationToken cancellationToken);
}

/// <summary>
/// Fetches <c>https://mta-sts.{domain}/.well-known/mta-sts.txt</c> with a verified certificate
/// and no redirects. Host names resolve through <see cref="MailDns"/> like everything else the
/// relay looks up, and the port is configurable, so tests serve the policy on loopback.
/// </summary>
public sealed class HttpsMtaStsPolicyFetcher : IMtaStsPolicyFetcher, IDisposable
{
    private readonly HttpClient _http;
    private readonly int _port;

    public HttpsMtaStsPolicyFetcher(MxResolver resolver, TlsCertificatePolicy certificates, OutboundOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _port = options.MtaStsHttpsPort;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = { RemoteCertificateValidationCallback = certificates.Verified },
            ConnectCallback = async (context, cancellationToken) =>
            {
                var (addresses, _) = await resolver.ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
                if (!options.AllowPrivateNetworks)
                {
                    // The policy host's name comes from the recipient's domain: never follow it into our own network.
                    addresses = [.. addresses.Where(PublicNetwork.Contains)];
                }
                if (addresses.Count == 0)
                {
                    throw new HttpRequestException($"{context.DnsEndPoint.Host} has no public address.");
                }
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses.ToArray(), context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
    }

    public async Task<string?> FetchAsync(string domain, CancellationToken cancellationToken)
    {
        var port = _port == 443 ? "" : ":" + _port;
        try
        {
            using var response = await _http.GetAsync(new Uri($"https://mta-sts.{domain}{port}/.well-known/mta-sts.txt"), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/plain")
            {
                return null;
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MtaStsPolicy.MaxPolicyBytes + 1];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
            }
            return total > MtaStsPolicy.MaxPolicyBytes ? null : Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or SocketException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// The MTA-STS policy in force for a domain: the <c>_mta-sts</c> TXT record says whether one
/// exists and its id; the policy itself is fetched when the id changes and cached for its
/// max_age (in process memory — each function instance fetches once per policy id). A failed
/// fetch keeps using a cached policy, as RFC 8461 5.1 asks.
/// </summary>
public sealed class MtaStsPolicySource(MailDns dns, IMtaStsPolicyFetcher fetcher, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string Id, MtaStsPolicy Policy, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public async Task<MtaStsPolicy?> GetAsync(string domain, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        _cache.TryGetValue(domain, out var cached);
        var valid = cached.Policy is not null && cached.Expires > now;
        var id = await LookupIdAsync(domain, cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            return valid ? cached.Policy : null;
        }
        if (valid && cached.Id == id)
        {
            return cached.Policy;
        }
        var text = await fetcher.FetchAsync(domain, cancellationToken).ConfigureAwait(false);
        var policy = text is null ? null : MtaStsPolicy.Parse(text);
        if (policy is null)
        {
            return valid ? cached.Policy : null;
        }
        if (_cache.Count > 10_000)
        {
            _cache.Clear();
        }
        _cache[domain] = (id, policy, now + policy.MaxAge);
        return policy;
    }

    private async Task<string?> LookupIdAsync(string domain, CancellationToken cancellationToken)
    {
        var response = await dns.Client.QueryAsync("_mta-sts." + domain, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
        var records = response.Answers.TxtRecords()
            .Select(r => string.Concat(r.Text))
            .Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal))
            .ToList();
        if (records.Count != 1)
        {
            return null; // none, or ambiguous (RFC 8461 3.1: more than one record means no policy)
        }
        foreach (var field in records[0].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (field.StartsWith("id=", StringComparison.Ordinal))
            {
                return field[3..];
            }
        }
        return null;
    }
}

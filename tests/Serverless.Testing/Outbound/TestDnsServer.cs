using System.Collections.Concurrent;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Serverless.Testing.Outbound;

/// <summary>
/// An authoritative DNS server on a loopback port (ARSoft.Tools.Net), answering from records the
/// test adds. Unknown names get NXDOMAIN; names marked failing get SERVFAIL. Point the service at
/// it with <c>Mail:Dns:Servers</c> = <see cref="EndPoint"/>. It counts the questions it is asked,
/// can answer late (<see cref="Delay"/>, a slow resolver) and, when <see cref="NegativeTtl"/> is set,
/// puts an SOA in the authority section of negative answers as a real zone does (RFC 2308).
/// </summary>
public sealed class TestDnsServer : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<DnsRecordBase>> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Name, RecordType Type), int> _asked = new();
    private readonly DnsServer _server;
    private int _queries;

    /// <summary>
    /// On a free port. The port is free for TCP when chosen, but its UDP twin may be some client's
    /// ephemeral port (DNS clients of tests running in parallel): then another port is tried.
    /// </summary>
    public TestDnsServer()
    {
        for (var attempt = 1; ; attempt++)
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, AzuriteProcess.FreePort());
            try
            {
                _server = Start(EndPoint);
                return;
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse && attempt < 10)
            {
            }
        }
    }

    /// <summary>On a given port: for a client started before the test that must be told where to ask (pebble's <c>-dnsserver</c>).</summary>
    public TestDnsServer(int port)
    {
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        _server = Start(EndPoint);
    }

    private DnsServer Start(IPEndPoint endPoint)
    {
        var server = new DnsServer(new UdpServerTransport(endPoint), new TcpServerTransport(endPoint));
        server.QueryReceived += OnQueryAsync;
        try
        {
            server.Start();
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Release whichever transport did bind; the bind error is the one that matters.
            try
            {
                server.Stop();
            }
            catch (Exception e) when (e is ObjectDisposedException or NullReferenceException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
            }
            throw;
        }
        return server;
    }

    public IPEndPoint EndPoint { get; private set; }

    /// <summary>How long each answer waits before it is sent (a resolver far away).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>
    /// When set, NXDOMAIN and NODATA answers carry the zone's SOA (TTL and MINIMUM both this many
    /// seconds), which RFC 2308 makes the time a negative answer may be cached.
    /// </summary>
    public int? NegativeTtl { get; set; }

    /// <summary>Questions answered so far.</summary>
    public int Queries => Volatile.Read(ref _queries);

    /// <summary>How often <paramref name="name"/> was asked for with <paramref name="type"/>.</summary>
    public int QueriesFor(string name, RecordType type) => _asked.GetValueOrDefault((name.TrimEnd('.').ToLowerInvariant(), type));

    /// <summary>The value for <c>Mail:Dns:Servers</c>.</summary>
    public string Setting => $"{EndPoint.Address}:{EndPoint.Port}";

    public void AddMx(string domain, ushort preference, string exchange) =>
        Add(domain, new MxRecord(DomainName.Parse(domain), 60, preference, exchange == "." ? DomainName.Root : DomainName.Parse(exchange)));

    public void AddA(string name, string address) =>
        Add(name, IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? new AaaaRecord(DomainName.Parse(name), 60, IPAddress.Parse(address))
            : new ARecord(DomainName.Parse(name), 60, IPAddress.Parse(address)));

    public void AddTxt(string name, string text, int ttl = 60) => Add(name, new TxtRecord(DomainName.Parse(name), ttl, SplitTxt(text)));

    public void AddCname(string name, string target) => Add(name, new CNameRecord(DomainName.Parse(name), 60, DomainName.Parse(target)));

    public void AddSrv(string name, ushort priority, ushort weight, ushort port, string target) =>
        Add(name, new SrvRecord(DomainName.Parse(name), 60, priority, weight, port, target == "." ? DomainName.Root : DomainName.Parse(target)));

    /// <summary>A PTR record for <paramref name="address"/> (reverse DNS), under its in-addr.arpa / ip6.arpa name.</summary>
    public void AddPtr(string address, string hostName)
    {
        var reverse = IPAddress.Parse(address).GetReverseLookupDomain();
        Add(reverse.ToString(), new PtrRecord(reverse, 60, DomainName.Parse(hostName)));
    }

    public void SetFailing(string name) => _failing[name.TrimEnd('.')] = true;

    private void Add(string name, DnsRecordBase record) =>
        _records.GetOrAdd(name.TrimEnd('.'), _ => []).Add(record);

    /// <summary>TXT strings are at most 255 bytes each; longer values (DKIM keys) are split.</summary>
    private static List<string> SplitTxt(string text)
    {
        var parts = new List<string>();
        for (var i = 0; i < text.Length; i += 255)
        {
            parts.Add(text.Substring(i, Math.Min(255, text.Length - i)));
        }
        return parts;
    }

    private async Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query)
        {
            return;
        }
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay);
        }
        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        foreach (var q in query.Questions)
        {
            var name = q.Name.ToString().TrimEnd('.');
            Interlocked.Increment(ref _queries);
            _asked.AddOrUpdate((name.ToLowerInvariant(), q.RecordType), 1, (_, n) => n + 1);
            if (_failing.ContainsKey(name))
            {
                response.ReturnCode = ReturnCode.ServerFailure;
                break;
            }
            if (!_records.TryGetValue(name, out var records))
            {
                response.ReturnCode = ReturnCode.NxDomain;
                AddSoaIfNegative(response, name);
                break;
            }
            response.ReturnCode = ReturnCode.NoError;
            response.AnswerRecords.AddRange(records.Where(r => r.RecordType == q.RecordType || q.RecordType == RecordType.Any));
            if (response.AnswerRecords.Count == 0)
            {
                AddSoaIfNegative(response, name);
            }
        }
        e.Response = response;
    }

    private void AddSoaIfNegative(DnsMessage response, string name)
    {
        if (NegativeTtl is int ttl)
        {
            var labels = name.Split('.');
            var zone = DomainName.Parse(labels.Length >= 2 ? string.Join('.', labels[^2..]) : name);
            response.AuthorityRecords.Add(new SoaRecord(zone, ttl, DomainName.Parse("ns." + zone), DomainName.Parse("hostmaster." + zone), 1, 3600, 600, 86400, ttl));
        }
    }

    public void Dispose()
    {
        try
        {
            _server.Stop();
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
        {
            // ARSoft's Stop waits for its listener tasks and reports their cancellation as a failure.
        }
    }
}

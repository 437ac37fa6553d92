using System.Collections.Concurrent;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Serverless.Testing.Outbound;

/// <summary>
/// An authoritative DNS server on a loopback port (ARSoft.Tools.Net), answering from records the
/// test adds. Unknown names get NXDOMAIN; names marked failing get SERVFAIL. Point the service at
/// it with <c>Mail:Dns:Servers</c> = <see cref="EndPoint"/>.
/// </summary>
public sealed class TestDnsServer : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<DnsRecordBase>> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.OrdinalIgnoreCase);
    private readonly DnsServer _server;

    public TestDnsServer()
    {
        var port = AzuriteProcess.FreePort();
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        _server = new DnsServer(new UdpServerTransport(EndPoint), new TcpServerTransport(EndPoint));
        _server.QueryReceived += OnQueryAsync;
        _server.Start();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The value for <c>Mail:Dns:Servers</c>.</summary>
    public string Setting => $"{EndPoint.Address}:{EndPoint.Port}";

    public void AddMx(string domain, ushort preference, string exchange) =>
        Add(domain, new MxRecord(DomainName.Parse(domain), 60, preference, exchange == "." ? DomainName.Root : DomainName.Parse(exchange)));

    public void AddA(string name, string address) =>
        Add(name, IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? new AaaaRecord(DomainName.Parse(name), 60, IPAddress.Parse(address))
            : new ARecord(DomainName.Parse(name), 60, IPAddress.Parse(address)));

    public void AddTxt(string name, string text) => Add(name, new TxtRecord(DomainName.Parse(name), 60, SplitTxt(text)));

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

    private Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query)
        {
            return Task.CompletedTask;
        }
        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        foreach (var q in query.Questions)
        {
            var name = q.Name.ToString().TrimEnd('.');
            if (_failing.ContainsKey(name))
            {
                response.ReturnCode = ReturnCode.ServerFailure;
                break;
            }
            if (!_records.TryGetValue(name, out var records))
            {
                response.ReturnCode = ReturnCode.NxDomain;
                break;
            }
            response.ReturnCode = ReturnCode.NoError;
            response.AnswerRecords.AddRange(records.Where(r => r.RecordType == q.RecordType || q.RecordType == RecordType.Any));
        }
        e.Response = response;
        return Task.CompletedTask;
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

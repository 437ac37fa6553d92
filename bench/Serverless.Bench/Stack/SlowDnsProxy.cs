using System.Net;
using System.Net.Sockets;

namespace Serverless.Bench.Stack;

/// <summary>
/// A UDP DNS forwarder on loopback that answers every query <see cref="Delay"/> late, put in front
/// of the stack's DNS server: the resolver the issue measured (~100 ms a query) without a network.
/// The stack is pointed at it from the start (<c>Mail:Dns:Servers</c>) with no delay; the
/// smtp-slowdns phase turns the delay on. UDP only: the bench's answers are small and never
/// truncated, so the resolver never falls back to TCP.
/// </summary>
internal sealed class SlowDnsProxy : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private long _queries;

    private SlowDnsProxy() => _ = Task.Run(ListenAsync);

    public static SlowDnsProxy Start() => new();

    /// <summary>The server queries go on to (the stack's loopback DNS server), set once the stack runs.</summary>
    public IPEndPoint? Upstream { get; set; }

    public TimeSpan Delay { get; set; }

    /// <summary>Queries forwarded since the start.</summary>
    public long Queries => Interlocked.Read(ref _queries);

    /// <summary>The value for <c>Mail:Dns:Servers</c>.</summary>
    public string Setting => $"127.0.0.1:{((IPEndPoint)_udp.Client.LocalEndPoint!).Port}";

    private async Task ListenAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // an ICMP "port unreachable" from an earlier reply
            }
            _ = ForwardAsync(query.Buffer, query.RemoteEndPoint);
        }
    }

    private async Task ForwardAsync(byte[] query, IPEndPoint client)
    {
        try
        {
            Interlocked.Increment(ref _queries);
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, _stop.Token);
            }
            using var upstream = new UdpClient(AddressFamily.InterNetwork);
            upstream.Connect(Upstream ?? throw new InvalidOperationException("no upstream DNS server"));
            await upstream.SendAsync(query, _stop.Token);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var answer = await upstream.ReceiveAsync(timeout.Token);
            await _udp.SendAsync(answer.Buffer, client, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // The resolver retries or times out, as it would with a real server that lost a packet.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _stop.Dispose();
    }
}

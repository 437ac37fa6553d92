using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Serverless.Testing;

/// <summary>
/// TCP proxies in front of the test Azurite's blob, queue and table endpoints. <see cref="Cut"/>
/// drops every connection and refuses new ones, as an unreachable storage account would, while
/// the data stays where it is; <see cref="Restore"/> lets traffic through again. A
/// <see cref="StorageRelay"/> per connection can hold or swallow traffic (the reliability tests'
/// StorageTap builds its traps on it).
/// </summary>
public sealed partial class StorageOutageProxy : IAsyncDisposable
{
    private readonly List<Forwarder> _forwarders = [];

    private StorageOutageProxy(string connectionString) => ConnectionString = connectionString;

    /// <summary>The storage connection string that goes through the proxies.</summary>
    public string ConnectionString { get; private set; }

    /// <summary>Proxies in front of the test Azurite (<see cref="TestStorage"/>).</summary>
    public static async Task<StorageOutageProxy> StartAsync() => Start(await TestStorage.ConnectionStringAsync());

    /// <summary>
    /// Proxies in front of the storage of <paramref name="target"/>. <paramref name="relay"/> makes the
    /// policy of each new connection from its endpoint's name (<c>BlobEndpoint</c>, <c>QueueEndpoint</c>,
    /// <c>TableEndpoint</c>); without it everything passes.
    /// </summary>
    public static StorageOutageProxy Start(string target, Func<string, StorageRelay>? relay = null)
    {
        var proxy = new StorageOutageProxy(target);
        proxy.ConnectionString = Endpoint().Replace(target, m =>
        {
            var name = m.Groups["name"].Value;
            var forwarder = new Forwarder(int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture), relay is null ? () => StorageRelay.PassAll : () => relay(name));
            proxy._forwarders.Add(forwarder);
            return $"{m.Groups["name"].Value}=http://127.0.0.1:{forwarder.Port}/";
        });
        return proxy;
    }

    public void Cut()
    {
        foreach (var f in _forwarders)
        {
            f.Cut();
        }
    }

    public void Restore()
    {
        foreach (var f in _forwarders)
        {
            f.Restore();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var f in _forwarders)
        {
            await f.DisposeAsync();
        }
    }

    [GeneratedRegex(@"(?<name>BlobEndpoint|QueueEndpoint|TableEndpoint)=http://127\.0\.0\.1:(?<port>\d+)/")]
    private static partial Regex Endpoint();

    private sealed class Forwarder : IAsyncDisposable
    {
        private readonly int _target;
        private readonly Func<StorageRelay> _relay;
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentDictionary<Socket, byte> _open = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private volatile bool _down;

        public Forwarder(int target, Func<StorageRelay> relay)
        {
            _target = target;
            _relay = relay;
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _accepting = AcceptAsync();
        }

        public int Port { get; }

        public void Cut()
        {
            _down = true;
            foreach (var socket in _open.Keys)
            {
                socket.Dispose();
            }
        }

        public void Restore() => _down = false;

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                if (_down)
                {
                    client.LingerState = new LingerOption(true, 0);
                    client.Dispose(); // reset at once, as a refused connection fails
                    continue;
                }
                _ = ForwardAsync(client);
            }
        }

        private async Task ForwardAsync(Socket client)
        {
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            _open[client] = 0;
            _open[server] = 0;
            var relay = _relay();
            try
            {
                if (_down)
                {
                    return; // accepted just before a cut that did not see this connection yet
                }
                await server.ConnectAsync(IPAddress.Loopback, _target);
                await Task.WhenAny(PumpRequestsAsync(client, server, relay), PumpResponsesAsync(server, client, relay));
                if (relay.Held)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token); // keep both sockets open: the peer waits
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
            finally
            {
                _open.TryRemove(client, out _);
                _open.TryRemove(server, out _);
                client.Dispose();
            }
        }

        private async Task PumpRequestsAsync(Socket from, Socket to, StorageRelay relay)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }
                    await relay.RequestAsync(buffer.AsMemory(0, n), _stop.Token);
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }

        private static async Task PumpResponsesAsync(Socket from, Socket to, StorageRelay relay)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        if (relay.PassesResponseEnd)
                        {
                            to.Shutdown(SocketShutdown.Send);
                        }
                        return;
                    }
                    if (relay.PassesResponse(buffer.AsMemory(0, n)))
                    {
                        await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            Cut();
            _stop.Dispose();
        }
    }
}

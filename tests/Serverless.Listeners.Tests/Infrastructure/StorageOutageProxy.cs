using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Serverless.Testing;

namespace Serverless.Listeners.Tests.Infrastructure;

/// <summary>
/// TCP proxies in front of the test Azurite's blob, queue and table endpoints. <see cref="Cut"/>
/// drops every connection and refuses new ones, as an unreachable storage account would, while
/// the data stays where it is; <see cref="Restore"/> lets traffic through again.
/// </summary>
internal sealed partial class StorageOutageProxy : IAsyncDisposable
{
    private readonly List<Forwarder> _forwarders = [];

    private StorageOutageProxy(string connectionString) => ConnectionString = connectionString;

    /// <summary>The storage connection string that goes through the proxies.</summary>
    public string ConnectionString { get; private set; }

    public static async Task<StorageOutageProxy> StartAsync()
    {
        var target = await TestStorage.ConnectionStringAsync();
        var proxy = new StorageOutageProxy(target);
        proxy.ConnectionString = Endpoint().Replace(target, m =>
        {
            var forwarder = new Forwarder(int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture));
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
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentDictionary<Socket, byte> _open = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private volatile bool _down;

        public Forwarder(int target)
        {
            _target = target;
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
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _open[client] = 0;
            _open[server] = 0;
            try
            {
                if (_down)
                {
                    return; // accepted just before a cut that did not see this connection yet
                }
                await server.ConnectAsync(IPAddress.Loopback, _target);
                await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                _open.TryRemove(client, out _);
                _open.TryRemove(server, out _);
                client.Dispose();
            }
        }

        private static async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
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
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
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

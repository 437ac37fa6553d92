using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Serverless.Reliability.Tests.Infrastructure;

/// <summary>What a trap does to the connection whose request matched.</summary>
public enum TrapMode
{
    /// <summary>The request never reaches storage (nothing from that point on is forwarded).</summary>
    HoldRequest,

    /// <summary>The request reaches storage and takes effect; its response never comes back.</summary>
    HoldResponse,
}

/// <summary>
/// TCP forwarders in front of an Azurite's blob, queue and table endpoints, for fault tests: a
/// trap catches the first request whose bytes contain a pattern (e.g. a Table batch, a Put Blob)
/// and holds that connection at the chosen point, so a test can kill a process exactly there;
/// <see cref="Cut"/> makes storage unreachable and <see cref="Restore"/> brings it back.
/// </summary>
public sealed partial class StorageTap : IAsyncDisposable
{
    private readonly List<Forwarder> _forwarders = [];

    private StorageTap(string connectionString) => ConnectionString = connectionString;

    /// <summary>The connection string that goes through the tap.</summary>
    public string ConnectionString { get; private set; }

    public static StorageTap Start(string target)
    {
        var tap = new StorageTap(target);
        tap.ConnectionString = Endpoint().Replace(target, m =>
        {
            var forwarder = new Forwarder(m.Groups["name"].Value, int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture));
            tap._forwarders.Add(forwarder);
            return $"{m.Groups["name"].Value}=http://127.0.0.1:{forwarder.Port}/";
        });
        return tap;
    }

    /// <summary>
    /// Arms a one-shot trap on the endpoint (<c>BlobEndpoint</c>, <c>QueueEndpoint</c>, <c>TableEndpoint</c>):
    /// the returned task completes when a request containing <paramref name="pattern"/> was caught.
    /// </summary>
    public Task Arm(string endpoint, string pattern, TrapMode mode) => _forwarders.Single(f => f.Name == endpoint).Arm(Encoding.ASCII.GetBytes(pattern), mode);

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

    private sealed class Trap(byte[] pattern, TrapMode mode)
    {
        public byte[] Pattern { get; } = pattern;

        public TrapMode Mode { get; } = mode;

        public TaskCompletionSource Caught { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Forwarder : IAsyncDisposable
    {
        private readonly int _target;
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentDictionary<Socket, byte> _open = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private volatile bool _down;
        private Trap? _trap;

        public Forwarder(string name, int target)
        {
            Name = name;
            _target = target;
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _accepting = AcceptAsync();
        }

        public string Name { get; }

        public int Port { get; }

        public Task Arm(byte[] pattern, TrapMode mode)
        {
            var trap = new Trap(pattern, mode);
            _trap = trap;
            return trap.Caught.Task;
        }

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
                    client.Dispose();
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
            var held = new ConnectionHold();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target);
                await Task.WhenAny(PumpRequestsAsync(client, server, held), PumpResponsesAsync(server, client, held));
                if (held.Active)
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

        private sealed class ConnectionHold
        {
            public volatile bool Active;
            public volatile Trap? Responses;
        }

        private async Task PumpRequestsAsync(Socket from, Socket to, ConnectionHold held)
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
                    if (!held.Active && _trap is { } trap && buffer.AsSpan(0, n).IndexOf(trap.Pattern) >= 0
                        && Interlocked.CompareExchange(ref _trap, null, trap) == trap)
                    {
                        held.Active = true;
                        if (trap.Mode == TrapMode.HoldRequest)
                        {
                            trap.Caught.TrySetResult();
                            await Task.Delay(Timeout.Infinite, _stop.Token);
                        }
                        // Caught once storage has answered (the request took effect), not when it was sent.
                        held.Responses = trap;
                        await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                        continue;
                    }
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }

        private static async Task PumpResponsesAsync(Socket from, Socket to, ConnectionHold held)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        if (held.Responses is null)
                        {
                            to.Shutdown(SocketShutdown.Send);
                        }
                        return;
                    }
                    if (held.Responses is { } trap)
                    {
                        trap.Caught.TrySetResult();
                        continue; // swallowed: the caller never learns the outcome
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

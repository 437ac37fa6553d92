using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// A TCP relay in front of the test Azurite: the listener talks to storage through it, and a test
/// can cut it (every request then fails to connect) and restore it, to play a storage outage
/// without losing Azurite's data.
/// </summary>
public sealed partial class StorageProxy : IAsyncDisposable
{
    private readonly List<TcpListener> _listeners = [];
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _cut;

    private StorageProxy(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    public static StorageProxy Start(string target)
    {
        var rewritten = target;
        var proxy = new StorageProxy("");
        foreach (Match m in Endpoint().Matches(target))
        {
            var port = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            proxy._listeners.Add(listener);
            _ = proxy.AcceptAsync(listener, port);
            rewritten = rewritten.Replace(m.Value, $"{m.Groups[1].Value}{((IPEndPoint)listener.LocalEndpoint).Port}", StringComparison.Ordinal);
        }
        return new StorageProxy(rewritten) { _listenersFrom = proxy };
    }

    private StorageProxy? _listenersFrom;

    private StorageProxy Inner => _listenersFrom ?? this;

    /// <summary>Storage becomes unreachable: open connections drop, new ones are closed at once.</summary>
    public void Cut()
    {
        Inner._cut = true;
        lock (Inner._open)
        {
            foreach (var c in Inner._open)
            {
                c.Dispose();
            }
            Inner._open.Clear();
        }
    }

    public void Restore() => Inner._cut = false;

    private async Task AcceptAsync(TcpListener listener, int targetPort)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_cut)
            {
                client.Client.LingerState = new LingerOption(true, 0); // reset, like a dead endpoint
                client.Dispose();
                continue;
            }
            _ = RelayAsync(client, targetPort);
        }
    }

    private async Task RelayAsync(TcpClient client, int targetPort)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, targetPort);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(upstream);
            }
            var a = client.GetStream().CopyToAsync(upstream.GetStream());
            var b = upstream.GetStream().CopyToAsync(client.GetStream());
            await Task.WhenAny(a, b);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Inner._stop.Cancel();
        foreach (var l in Inner._listeners)
        {
            l.Stop();
        }
        Cut();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"(Endpoint=http://127\.0\.0\.1:)(\d+)")]
    private static partial Regex Endpoint();
}

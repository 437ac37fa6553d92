using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Serverless.Testing.Outbound;

/// <summary>
/// A minimal HTTPS server on a loopback address that answers every GET with one fixed document —
/// enough to serve an MTA-STS policy (<c>/.well-known/mta-sts.txt</c>) to the relay in tests.
/// </summary>
public sealed class TestHttpsServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    public TestHttpsServer(IPAddress address, int port, X509Certificate2 certificate, string body, string contentType = "text/plain")
    {
        _listener = new TcpListener(address, port);
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                _ = ServeAsync(client, certificate, body, contentType);
            }
        });
    }

    /// <summary>Requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public List<string> Paths { get; } = [];

    private async Task ServeAsync(TcpClient client, X509Certificate2 certificate, string body, string contentType)
    {
        using (client)
        {
            try
            {
                await using var ssl = new SslStream(client.GetStream());
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, _stop.Token);
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await ssl.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                lock (Paths)
                {
                    Paths.Add(request.ToString().Split(' ')[1]);
                }
                var payload = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                await ssl.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await ssl.WriteAsync(payload, _stop.Token);
                await ssl.FlushAsync(_stop.Token);
                Interlocked.Increment(ref _requests);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}

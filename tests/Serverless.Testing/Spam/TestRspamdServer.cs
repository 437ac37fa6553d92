using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Testing.Spam;

/// <summary>
/// Stands in for an Rspamd worker on a loopback port: answers <c>POST /checkv2</c> in Rspamd's
/// documented JSON (score, required_score, action, symbols), records what it was sent — each header
/// line as it came, so repeated Rcpt lines stay apart — and can be slow (<see cref="Delay"/>) or fail
/// (<see cref="Status"/>). Plain TCP, HTTP/1.1, one request per connection.
/// </summary>
public sealed class TestRspamdServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TestRspamdServer(double score, string action = "add header")
    {
        Score = score;
        Action = action;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public double Score { get; set; }

    public string Action { get; set; }

    public TimeSpan Delay { get; set; }

    public int Status { get; set; } = 200;

    /// <summary>Each request: its path, its header lines in order, and its body.</summary>
    public ConcurrentQueue<(string Path, List<(string Name, string Value)> Headers, byte[] Body)> Requests { get; } = new();

    /// <summary>The values of every <paramref name="name"/> header line of a request.</summary>
    public static List<string> Values(List<(string Name, string Value)> headers, string name) =>
        headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var data = new MemoryStream();
                var buffer = new byte[8192];
                int end;
                while ((end = data.ToArray().AsSpan().IndexOf("\r\n\r\n"u8)) < 0)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    data.Write(buffer, 0, n);
                }
                var lines = Encoding.UTF8.GetString(data.ToArray(), 0, end).Split("\r\n");
                var headers = lines.Skip(1).Select(l => (l[..l.IndexOf(':', StringComparison.Ordinal)], l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())).ToList();
                var length = int.Parse(Values(headers, "Content-Length").Single(), CultureInfo.InvariantCulture);
                while (data.Length < end + 4 + length)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    data.Write(buffer, 0, n);
                }
                Requests.Enqueue((lines[0].Split(' ')[1], headers, data.ToArray().AsSpan(end + 4, length).ToArray()));
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, _stop.Token);
                }
                var score = Score.ToString(CultureInfo.InvariantCulture);
                var json = "{\"is_skipped\":false,\"score\":" + score + ",\"required_score\":15.0,\"action\":\"" + Action + "\","
                    + "\"symbols\":{\"FAKE_SYMBOL\":{\"name\":\"FAKE_SYMBOL\",\"score\":" + score + ",\"metric_score\":1.0,\"description\":\"test\"},"
                    + "\"R_SPF_ALLOW\":{\"name\":\"R_SPF_ALLOW\",\"score\":-0.2}},"
                    + "\"messages\":{},\"message-id\":\"x@y\",\"time_real\":0.01,\"milter\":{\"add_headers\":{}}}";
                var body = Encoding.UTF8.GetBytes(json);
                var head = $"HTTP/1.1 {Status} X\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // the client gave up (timeout), or the server is stopping
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

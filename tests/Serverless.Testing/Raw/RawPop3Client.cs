using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Listeners.Tests.Pop3;

/// <summary>A byte-exact POP3 client for transcripts: what was sent is what the server sees.</summary>
internal sealed class RawPop3Client : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private Stream _stream;
    private int _start;
    private int _end;

    private RawPop3Client(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public string Greeting { get; private set; } = "";

    /// <param name="prefix">Bytes sent first, before TLS (a PROXY protocol header).</param>
    public static async Task<RawPop3Client> ConnectAsync(int port, bool tls = false, byte[]? prefix = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawPop3Client(tcp, tcp.GetStream());
        if (prefix is not null)
        {
            await client._stream.WriteAsync(prefix);
        }
        if (tls)
        {
            await client.WrapInTlsAsync();
        }
        client.Greeting = await client.LineAsync();
        return client;
    }

    /// <summary>Sends bytes as they are (several commands at once for pipelining).</summary>
    public async Task SendAsync(string text)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await _stream.FlushAsync();
    }

    /// <summary>Sends one command and returns its status line.</summary>
    public async Task<string> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await LineAsync();
    }

    public async Task<string> LoginAsync(string user, string password)
    {
        var ok = await CommandAsync("USER " + user);
        return ok.StartsWith("+OK", StringComparison.Ordinal) ? await CommandAsync("PASS " + password) : ok;
    }

    /// <summary>The next line without its CRLF.</summary>
    public async Task<string> LineAsync()
    {
        var bytes = await RawLineAsync();
        return Encoding.UTF8.GetString(bytes, 0, bytes.Length - 2);
    }

    /// <summary>The body of a multi-line response exactly as sent (still byte-stuffed), without the final ".\r\n".</summary>
    public async Task<byte[]> MultiLineAsync()
    {
        var body = new MemoryStream();
        while (true)
        {
            var line = await RawLineAsync();
            if (line is [(byte)'.', (byte)'\r', (byte)'\n'])
            {
                return body.ToArray();
            }
            body.Write(line);
        }
    }

    /// <summary>The lines of a multi-line listing, un-stuffed.</summary>
    public async Task<List<string>> ListingAsync()
    {
        var text = Encoding.UTF8.GetString(await MultiLineAsync());
        return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.StartsWith("..", StringComparison.Ordinal) ? l[1..] : l).ToList();
    }

    /// <summary>True when the server has closed the connection (reads end) within the deadline.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                if (_end > _start)
                {
                    _start = _end; // ignore anything still buffered
                }
                var n = await _stream.ReadAsync(_buffer, timeout.Token);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task WrapInTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("mail.test");
        _stream = ssl;
    }

    /// <summary>Drops the TCP connection without QUIT, as a crashing or disconnected client would.</summary>
    public void Abort()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Close();
    }

    private async Task<byte[]> RawLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = new MemoryStream();
        while (true)
        {
            for (var i = _start; i < _end; i++)
            {
                if (_buffer[i] == (byte)'\n')
                {
                    line.Write(_buffer, _start, i + 1 - _start);
                    _start = i + 1;
                    return line.ToArray();
                }
            }
            line.Write(_buffer, _start, _end - _start);
            _start = _end = 0;
            var n = await _stream.ReadAsync(_buffer, timeout.Token);
            if (n == 0)
            {
                throw new EndOfStreamException("The server closed the connection. Received: " + Encoding.UTF8.GetString(line.ToArray()));
            }
            _end = n;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

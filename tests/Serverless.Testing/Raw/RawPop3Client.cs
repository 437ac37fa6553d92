using System.Text;

namespace Serverless.Testing.Raw;

/// <summary>A byte-exact POP3 client for transcripts: what was sent is what the server sees.</summary>
public sealed class RawPop3Client : IAsyncDisposable
{
    private readonly RawConnection _connection;

    private RawPop3Client(RawConnection connection) => _connection = connection;

    public string Greeting { get; private set; } = "";

    /// <param name="prefix">Bytes sent first, before TLS (a PROXY protocol header).</param>
    public static async Task<RawPop3Client> ConnectAsync(int port, bool tls = false, byte[]? prefix = null)
    {
        var client = new RawPop3Client(await RawConnection.OpenAsync(port, TimeSpan.FromSeconds(30), prefix, tls ? "mail.test" : null));
        client.Greeting = await client.LineAsync();
        return client;
    }

    /// <summary>Sends bytes as they are (several commands at once for pipelining).</summary>
    public Task SendAsync(string text) => _connection.SendAsync(text);

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
    public Task<bool> ClosedByServerAsync() => _connection.EndsWithinAsync(TimeSpan.FromSeconds(10));

    /// <summary>Starts TLS after the server's go-ahead to STLS.</summary>
    public Task WrapInTlsAsync() => _connection.StartTlsAsync("mail.test");

    /// <summary>Drops the TCP connection without QUIT, as a crashing or disconnected client would.</summary>
    public void Abort() => _connection.Abort();

    private async Task<byte[]> RawLineAsync()
    {
        var line = await _connection.ReadLineAsync();
        return line is [.., (byte)'\n'] ? line
            : throw new EndOfStreamException("The server closed the connection. Received: " + Encoding.UTF8.GetString(line ?? []));
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Serverless.Testing.Raw;

/// <summary>A ManageSieve response: the data lines (a literal's content as one entry) and the final OK/NO/BYE line.</summary>
public sealed record ManageSieveResponse(IReadOnlyList<string> Lines, string Final)
{
    public bool IsOk => Final.StartsWith("OK", StringComparison.Ordinal);
}

/// <summary>A byte-exact ManageSieve (RFC 5804) client for transcripts: what was sent is what the server sees.</summary>
public sealed partial class RawManageSieveClient : IAsyncDisposable
{
    private readonly RawConnection _connection;

    private RawManageSieveClient(RawConnection connection) => _connection = connection;

    /// <summary>The capability listing sent as the greeting.</summary>
    public ManageSieveResponse Greeting { get; private set; } = new([], "");

    public static async Task<RawManageSieveClient> ConnectAsync(int port)
    {
        var client = new RawManageSieveClient(await RawConnection.OpenAsync(port, TimeSpan.FromSeconds(30)));
        client.Greeting = await client.ResponseAsync();
        return client;
    }

    /// <summary>Sends bytes as they are (several commands at once for pipelining, literals).</summary>
    public Task SendAsync(string text) => _connection.SendAsync(text);

    /// <summary>Sends one command line (CRLF added) and reads its whole response.</summary>
    public async Task<ManageSieveResponse> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ResponseAsync();
    }

    /// <summary>PUTSCRIPT "name" {n+} script.</summary>
    public Task<ManageSieveResponse> PutScriptAsync(string name, string script) =>
        CommandAsync($"PUTSCRIPT \"{name}\" {{{Encoding.UTF8.GetByteCount(script)}+}}\r\n{script}");

    /// <summary>AUTHENTICATE "PLAIN" with an initial response.</summary>
    public Task<ManageSieveResponse> LoginAsync(string user, string password) =>
        CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain(user, password)}\"");

    public static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>Lines up to and including the final OK/NO/BYE; a literal "{n}" is read as its n octets.</summary>
    public async Task<ManageSieveResponse> ResponseAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await LineAsync();
            if (line.StartsWith("OK", StringComparison.Ordinal) || line.StartsWith("NO", StringComparison.Ordinal) || line.StartsWith("BYE", StringComparison.Ordinal))
            {
                return new(lines, line);
            }
            if (LiteralLine().Match(line) is { Success: true } m)
            {
                var bytes = await _connection.ReadBytesAsync(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                lines.Add(Encoding.UTF8.GetString(bytes));
                await LineAsync(); // the CRLF that ends the data line
                continue;
            }
            lines.Add(line);
        }
    }

    /// <summary>The next line without its CRLF.</summary>
    public async Task<string> LineAsync()
    {
        var line = await _connection.ReadLineAsync();
        return line is [.., (byte)'\n']
            ? Encoding.UTF8.GetString(line, 0, line.Length - RawConnection.LineEndLength(line))
            : throw new EndOfStreamException("The server closed the connection. Received: " + Encoding.UTF8.GetString(line ?? []));
    }

    public Task<bool> ClosedByServerAsync() => _connection.EndsWithinAsync(TimeSpan.FromSeconds(10));

    /// <summary>Starts TLS after the server's OK to STARTTLS.</summary>
    public Task WrapInTlsAsync() => _connection.StartTlsAsync("mail.test");

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    [GeneratedRegex(@"^\{(\d+)\}$")]
    private static partial Regex LiteralLine();
}

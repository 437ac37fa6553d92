using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Listeners.Tests.Smtp;

/// <summary>A raw SMTP client for transcripts: exact bytes out, whole replies back.</summary>
public sealed class SmtpWire : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TcpClient _client;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private SmtpWire(TcpClient client, Stream stream)
    {
        _client = client;
        _stream = stream;
    }

    /// <summary>Connects (optionally with implicit TLS and a prefix such as a PROXY header) and reads nothing yet.</summary>
    public static async Task<SmtpWire> OpenAsync(int port, bool tls = false, byte[]? prefix = null)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        Stream stream = client.GetStream();
        if (prefix is not null)
        {
            await stream.WriteAsync(prefix);
        }
        if (tls)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            using var handshake = new CancellationTokenSource(Timeout);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "mail.test" }, handshake.Token);
            stream = ssl;
        }
        return new SmtpWire(client, stream);
    }

    /// <summary>Connects and reads the 220 greeting.</summary>
    public static async Task<SmtpWire> ConnectAsync(int port, bool tls = false)
    {
        var wire = await OpenAsync(port, tls);
        var greeting = await wire.ReadReplyAsync();
        if (greeting.Code != 220)
        {
            throw new InvalidOperationException("Unexpected greeting " + greeting);
        }
        return wire;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends one command line and returns its reply.</summary>
    public async Task<SmtpWireReply> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public async Task<SmtpWireReply> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new EndOfStreamException("Connection closed while reading a reply. Got: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return new SmtpWireReply(int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), lines);
            }
        }
    }

    /// <summary>Upgrades the connection after a 220 to STARTTLS.</summary>
    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        using var handshake = new CancellationTokenSource(Timeout);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "mail.test" }, handshake.Token);
        _stream = ssl;
        _start = _end = 0;
    }

    /// <summary>True if the server closed the connection (reads end) within the timeout.</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            return await ReadLineAsync() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>One line, whatever the protocol (SMTP, IMAP and POP3 greetings).</summary>
    public async Task<string?> ReadReplyLineAsync() => await ReadLineAsync();

    /// <summary>Everything until the server closes the connection.</summary>
    public async Task<string> ReadToEndAsync()
    {
        var sb = new StringBuilder();
        try
        {
            while (await ReadLineAsync() is { } line)
            {
                sb.Append(line).Append('\n');
            }
        }
        catch (IOException)
        {
        }
        return sb.ToString();
    }

    private async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, timeout.Token);
                if (_end == 0)
                {
                    return line.Count == 0 ? null : Encoding.UTF8.GetString(line.ToArray());
                }
            }
            var b = _buffer[_start++];
            if (b == '\n')
            {
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }
                return Encoding.UTF8.GetString(line.ToArray());
            }
            line.Add(b);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}

public sealed record SmtpWireReply(int Code, IReadOnlyList<string> Lines)
{
    public string Last => Lines[^1];

    /// <summary>The enhanced status code of the last line (RFC 2034), or "".</summary>
    public string Enhanced => Last.Length > 4 ? Last[4..].Split(' ')[0] : "";

    public override string ToString() => string.Join("\n", Lines);
}

using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Reliability.Tests.Infrastructure;

/// <summary>One SMTP reply: code and every line.</summary>
public sealed record SmtpAnswer(int Code, IReadOnlyList<string> Lines)
{
    public string Text => string.Join(" | ", Lines);

    public override string ToString() => Text;
}

/// <summary>
/// A raw client for transcripts of any of the three protocols: exact bytes out, lines back. Reads
/// end with null when the server closes; every read has a deadline so a hung server fails the
/// test instead of hanging it.
/// </summary>
public sealed class Wire : IAsyncDisposable
{
    /// <summary>
    /// Longer than the listeners' own 60 s storage deadline, so a test sees the server's answer to
    /// a slow storage request (a 451, say) rather than its own impatience; an MTA waits 10 minutes
    /// for the reply to DATA (RFC 5321 4.5.3.2.6).
    /// </summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(90);

    private readonly TcpClient _client;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private Wire(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<Wire> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return new Wire(client);
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task LineAsync(string line) => await SendAsync(line + "\r\n");

    /// <summary>One line without its CRLF; null when the server closed the connection (or reset it).</summary>
    public async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var length = lf - _start;
                if (length > 0 && _buffer[lf - 1] == '\r')
                {
                    length--;
                }
                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = lf + 1;
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                throw new InvalidOperationException("Line longer than the test client's buffer.");
            }
            int n;
            try
            {
                using var deadline = new CancellationTokenSource(ReadTimeout);
                n = await _stream.ReadAsync(_buffer.AsMemory(_end), deadline.Token);
            }
            catch (IOException)
            {
                return null; // reset by the server
            }
            if (n == 0)
            {
                return null;
            }
            _end += n;
        }
    }

    /// <summary>A whole (multi-line) SMTP reply; null when the connection ended first.</summary>
    public async Task<SmtpAnswer?> SmtpReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null)
            {
                return null;
            }
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return new SmtpAnswer(int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), lines);
            }
        }
    }

    public async Task<SmtpAnswer?> SmtpAsync(string command)
    {
        await LineAsync(command);
        return await SmtpReplyAsync();
    }

    /// <summary>Reads IMAP lines until the tagged completion of <paramref name="tag"/>; the last line is that completion.</summary>
    public async Task<List<string>> ImapUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
        lines.Add("(connection closed)");
        return lines;
    }

    /// <summary>True when the server ends the connection (now or after whatever it still sends) within the read timeout.</summary>
    public async Task<bool> ClosedAsync()
    {
        while (await ReadLineAsync() is not null)
        {
        }
        return true;
    }

    /// <summary>Starts TLS on this connection (after the server's go-ahead), trusting the test certificate.</summary>
    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        using var handshake = new CancellationTokenSource(ReadTimeout);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "mail.reliability.test" }, handshake.Token);
        _stream = ssl;
        _start = _end = 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}

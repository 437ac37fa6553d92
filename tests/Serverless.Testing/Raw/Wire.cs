namespace Serverless.Testing.Raw;

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

    private readonly RawConnection _connection;

    private Wire(RawConnection connection) => _connection = connection;

    public static async Task<Wire> ConnectAsync(int port) => new(await RawConnection.OpenAsync(port, ReadTimeout));

    public Task SendAsync(string text) => _connection.SendAsync(text);

    public Task SendAsync(ReadOnlyMemory<byte> bytes) => _connection.SendAsync(bytes);

    public async Task LineAsync(string line) => await SendAsync(line + "\r\n");

    /// <summary>One line without its CRLF; null when the server closed the connection (or reset it).</summary>
    public async Task<string?> ReadLineAsync()
    {
        byte[]? line;
        try
        {
            line = await _connection.ReadLineAsync();
        }
        catch (IOException)
        {
            return null; // reset by the server
        }
        // A line cut off by the end of the stream counts as the end.
        return line is [.., (byte)'\n'] ? System.Text.Encoding.UTF8.GetString(line, 0, line.Length - RawConnection.LineEndLength(line)) : null;
    }

    /// <summary>A whole (multi-line) SMTP reply; null when the connection ended first.</summary>
    public Task<SmtpWireReply?> SmtpReplyAsync() => SmtpWireReply.ReadAsync(ReadLineAsync);

    public async Task<SmtpWireReply?> SmtpAsync(string command)
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
    public Task StartTlsAsync() => _connection.StartTlsAsync("mail.reliability.test");

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

using System.Text;

namespace Serverless.Testing.Raw;

/// <summary>A raw SMTP client for transcripts: exact bytes out, whole replies back.</summary>
public sealed class SmtpWire : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly RawConnection _connection;

    private SmtpWire(RawConnection connection) => _connection = connection;

    /// <summary>Connects (optionally with implicit TLS and a prefix such as a PROXY header) and reads nothing yet.</summary>
    public static async Task<SmtpWire> OpenAsync(int port, bool tls = false, byte[]? prefix = null)
    {
        return new SmtpWire(await RawConnection.OpenAsync(port, Timeout, prefix, tls ? "mail.test" : null));
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

    public Task SendAsync(ReadOnlyMemory<byte> bytes) => _connection.SendAsync(bytes);

    /// <summary>Sends one command line and returns its reply.</summary>
    public async Task<SmtpWireReply> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public async Task<SmtpWireReply> ReadReplyAsync()
    {
        var lines = new List<string>();
        return await SmtpWireReply.ReadAsync(ReadLineAsync, lines)
            ?? throw new EndOfStreamException("Connection closed while reading a reply. Got: " + string.Join(" | ", lines));
    }

    /// <summary>Upgrades the connection after a 220 to STARTTLS.</summary>
    public Task StartTlsAsync() => _connection.StartTlsAsync("mail.test");

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

    private Task<string?> ReadLineAsync() => _connection.ReadTextLineAsync();

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>One SMTP reply: code and every line.</summary>
public sealed record SmtpWireReply(int Code, IReadOnlyList<string> Lines)
{
    public string Last => Lines[^1];

    /// <summary>Every line on one line, for messages.</summary>
    public string Text => string.Join(" | ", Lines);

    /// <summary>The enhanced status code of the last line (RFC 2034), or "".</summary>
    public string Enhanced => Last.Length > 4 ? Last[4..].Split(' ')[0] : "";

    public override string ToString() => string.Join("\n", Lines);

    /// <summary>
    /// Reads one (multi-line) reply with <paramref name="readLine"/>; null when the connection ended
    /// first, <paramref name="lines"/> then holding what came.
    /// </summary>
    public static async Task<SmtpWireReply?> ReadAsync(Func<Task<string?>> readLine, List<string>? lines = null)
    {
        lines ??= [];
        while (true)
        {
            if (await readLine() is not { } line)
            {
                return null;
            }
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return new SmtpWireReply(int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), lines);
            }
        }
    }
}

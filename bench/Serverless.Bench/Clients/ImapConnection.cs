using System.Net;
using System.Text.RegularExpressions;

namespace Serverless.Bench.Clients;

/// <summary>One IMAP response line with the literals it carried (in order).</summary>
internal sealed record ImapLine(string Text, IReadOnlyList<string> Literals);

/// <summary>
/// A minimal IMAP4rev1 client over a raw socket: tagged commands, untagged responses with literals
/// ({n} at the end of a line), IDLE. Plaintext LOGIN (allowed from loopback in the dev setting).
/// </summary>
internal sealed partial class ImapConnection : IAsyncDisposable
{
    private readonly LineConnection _c;
    private int _tag;

    private ImapConnection(LineConnection c) => _c = c;

    /// <param name="tls">Implicit TLS (IMAPS).</param>
    /// <param name="startTls">STARTTLS right after the greeting (port 143's way).</param>
    /// <param name="address">The server (loopback when null).</param>
    public static async Task<ImapConnection> ConnectAsync(int port, IPAddress? local = null, bool tls = false, bool startTls = false, IPAddress? address = null, CancellationToken cancellationToken = default)
    {
        var c = await LineConnection.ConnectAsync(port, address, local, tls, cancellationToken);
        var greeting = await c.ReadLineAsync(cancellationToken);
        if (!greeting.StartsWith("* OK", StringComparison.Ordinal))
        {
            await c.DisposeAsync();
            throw new InvalidOperationException("IMAP greeting: " + greeting);
        }
        var connection = new ImapConnection(c);
        if (startTls)
        {
            await connection.RunAsync("STARTTLS", cancellationToken: cancellationToken);
            await c.StartTlsAsync(cancellationToken);
        }
        return connection;
    }

    /// <summary>The tagged completion of the last command (response codes such as APPENDUID are there).</summary>
    public string LastTagged { get; private set; } = "";

    /// <summary>Sends a command and reads up to its tagged OK; anything else throws.</summary>
    public async Task<List<ImapLine>> RunAsync(string command, bool keepLiterals = false, CancellationToken cancellationToken = default)
    {
        var tag = "b" + (++_tag).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await _c.WriteAsync($"{tag} {command}\r\n", cancellationToken);
        return await CompleteAsync(tag, command, keepLiterals, cancellationToken);
    }

    /// <summary>
    /// Sends a command and reads up to its tagged completion; true for OK, false for NO (on a
    /// mailbox other sessions share, a message may be expunged under a command), BAD throws.
    /// </summary>
    public async Task<bool> TryRunAsync(string command, CancellationToken cancellationToken = default)
    {
        LastTagged = "";
        try
        {
            await RunAsync(command, cancellationToken: cancellationToken);
            return true;
        }
        catch (InvalidOperationException) when (LastTagged.Length > 0 && IsNo(LastTagged))
        {
            return false;
        }
    }

    private static bool IsNo(string tagged) => tagged.AsSpan(tagged.IndexOf(' ') + 1).StartsWith("NO", StringComparison.Ordinal);

    /// <summary>A command whose last argument is a non-synchronising literal (LITERAL+), e.g. APPEND.</summary>
    public async Task<List<ImapLine>> RunWithLiteralAsync(string command, byte[] literal, CancellationToken cancellationToken = default)
    {
        var tag = "b" + (++_tag).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var head = System.Text.Encoding.UTF8.GetBytes($"{tag} {command} {{{literal.Length}+}}\r\n");
        var data = new byte[head.Length + literal.Length + 2];
        head.CopyTo(data, 0);
        literal.CopyTo(data, head.Length);
        data[^2] = (byte)'\r';
        data[^1] = (byte)'\n';
        await _c.WriteAsync(data, cancellationToken);
        return await CompleteAsync(tag, command, false, cancellationToken);
    }

    private async Task<List<ImapLine>> CompleteAsync(string tag, string command, bool keepLiterals, CancellationToken cancellationToken)
    {
        var lines = new List<ImapLine>();
        while (true)
        {
            var line = await ReadResponseAsync(keepLiterals, cancellationToken);
            if (line.Text.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                LastTagged = line.Text;
                if (!line.Text.AsSpan(tag.Length + 1).StartsWith("OK", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{command.Split(' ')[0]}: {line.Text}");
                }
                return lines;
            }
            lines.Add(line);
        }
    }

    public Task LoginAsync(string user, string password, CancellationToken cancellationToken = default) =>
        RunAsync($"LOGIN \"{user}\" \"{password}\"", cancellationToken: cancellationToken);

    /// <summary>SELECT; returns the EXISTS count.</summary>
    public async Task<int> SelectAsync(string folder, CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync($"SELECT \"{folder}\"", cancellationToken: cancellationToken);
        return Exists(lines) ?? throw new InvalidOperationException("SELECT without EXISTS");
    }

    public static int? Exists(IEnumerable<ImapLine> lines)
    {
        int? exists = null;
        foreach (var l in lines)
        {
            var m = ExistsPattern().Match(l.Text);
            if (m.Success)
            {
                exists = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return exists;
    }

    /// <summary>Starts IDLE and waits for the continuation.</summary>
    public async Task IdleAsync(CancellationToken cancellationToken = default)
    {
        var tag = "b" + (++_tag).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _idleTag = tag;
        await _c.WriteAsync($"{tag} IDLE\r\n", cancellationToken);
        while (true)
        {
            var line = await _c.ReadLineAsync(cancellationToken);
            if (line.StartsWith('+'))
            {
                return;
            }
            if (line.StartsWith(tag, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("IDLE: " + line);
            }
        }
    }

    private string? _idleTag;

    /// <summary>Reads the next untagged line while idling.</summary>
    public async Task<string> ReadIdleLineAsync(CancellationToken cancellationToken = default) => (await ReadResponseAsync(false, cancellationToken)).Text;

    public async Task DoneAsync(CancellationToken cancellationToken = default)
    {
        await _c.WriteAsync("DONE\r\n", cancellationToken);
        while (true)
        {
            var line = await ReadResponseAsync(false, cancellationToken);
            if (_idleTag is not null && line.Text.StartsWith(_idleTag + " ", StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await RunAsync("LOGOUT", cancellationToken: cancellationToken);
        }
        catch (IOException)
        {
        }
    }

    private async Task<ImapLine> ReadResponseAsync(bool keepLiterals, CancellationToken cancellationToken)
    {
        var text = await _c.ReadLineAsync(cancellationToken);
        List<string>? literals = null;
        while (true)
        {
            var m = LiteralPattern().Match(text);
            if (!m.Success)
            {
                return new ImapLine(text, (IReadOnlyList<string>?)literals ?? []);
            }
            var n = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (keepLiterals)
            {
                (literals ??= []).Add(await _c.ReadExactAsync(n, cancellationToken));
            }
            else
            {
                await _c.SkipAsync(n, cancellationToken);
            }
            text += " <literal> " + await _c.ReadLineAsync(cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => _c.DisposeAsync();

    [GeneratedRegex(@"\{(\d+)\}$")]
    private static partial Regex LiteralPattern();

    [GeneratedRegex(@"^\* (\d+) EXISTS")]
    private static partial Regex ExistsPattern();
}

using System.Text;
using Xunit;

namespace Serverless.Testing.Raw;

/// <summary>
/// A byte-exact IMAP client for transcripts: sends exactly what the test says, reads lines and
/// literals as they come. Literal bytes are appended to the line they belong to.
/// </summary>
public sealed class RawImap : IAsyncDisposable
{
    private readonly RawConnection _connection;
    private int _tag;

    private RawImap(RawConnection connection) => _connection = connection;

    public static async Task<RawImap> ConnectAsync(int port)
    {
        var raw = new RawImap(await RawConnection.OpenAsync(port, TimeSpan.FromSeconds(30)));
        Assert.StartsWith("* OK ", await raw.ReadLineAsync(), StringComparison.Ordinal);
        return raw;
    }

    public string LastTag => "A" + _tag.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    public Task StartTlsAsync() => _connection.StartTlsAsync("mail.test");

    /// <summary>After the server's OK to COMPRESS DEFLATE: everything from here is deflated both ways.</summary>
    public void StartDeflate() => _connection.StartDeflate();

    public async Task WriteAsync(string text) => await WriteAsync(Encoding.UTF8.GetBytes(text));

    public Task WriteAsync(byte[] bytes) => _connection.SendAsync(bytes);

    /// <summary>Sends "Annn command" and returns every line up to and including the tagged one.</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        _tag++;
        await WriteAsync(LastTag + " " + command + "\r\n");
        return await ReadUntilTaggedAsync(LastTag);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadResponseAsync();
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>A response line with any literals it contains read in place.</summary>
    public async Task<string> ReadResponseAsync()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync();
            sb.Append(line);
            var open = line.LastIndexOf('{');
            if (line.EndsWith('}') && open >= 0 && int.TryParse(line[(open + 1)..^1], out var n))
            {
                sb.Append("\r\n").Append(Encoding.Latin1.GetString(await ReadBytesAsync(n)));
                continue;
            }
            return sb.ToString();
        }
    }

    public async Task<string> ReadLineAsync()
    {
        var line = await _connection.ReadLineAsync();
        if (line is not [.., (byte)'\n'])
        {
            throw new EndOfStreamException("Connection closed; got so far: " + Encoding.Latin1.GetString(line ?? []));
        }
        return Encoding.Latin1.GetString(line, 0, line.Length - RawConnection.LineEndLength(line));
    }

    public Task<byte[]> ReadBytesAsync(int count) => _connection.ReadBytesAsync(count);

    /// <summary>True if the server closed the connection (reads end) within the timeout.</summary>
    public async Task<bool> ClosedAsync()
    {
        try
        {
            while (true)
            {
                await ReadLineAsync();
            }
        }
        catch (EndOfStreamException)
        {
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async Task LoginAsync(string user, string password)
    {
        var reply = await CommandAsync($"LOGIN \"{user}\" \"{password}\"");
        Assert.StartsWith(LastTag + " OK", reply[^1], StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

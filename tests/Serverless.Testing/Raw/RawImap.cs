using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// A byte-exact IMAP client for transcripts: sends exactly what the test says, reads lines and
/// literals as they come. Literal bytes are appended to the line they belong to.
/// </summary>
public sealed class RawImap : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _tag;

    private RawImap(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawImap> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var raw = new RawImap(tcp);
        Assert.StartsWith("* OK ", await raw.ReadLineAsync(), StringComparison.Ordinal);
        return raw;
    }

    public string LastTag => "A" + _tag.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("mail.test");
        _stream = ssl;
    }

    public async Task WriteAsync(string text) => await WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, timeout.Token);
                if (_end == 0)
                {
                    throw new EndOfStreamException("Connection closed; got so far: " + Encoding.Latin1.GetString([.. line]));
                }
            }
            var b = _buffer[_start++];
            if (b == '\n')
            {
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }
                return Encoding.Latin1.GetString([.. line]);
            }
            line.Add(b);
        }
    }

    public async Task<byte[]> ReadBytesAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, timeout.Token);
                if (_end == 0)
                {
                    throw new EndOfStreamException();
                }
            }
            var n = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, n);
            _start += n;
            filled += n;
        }
        return result;
    }

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

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

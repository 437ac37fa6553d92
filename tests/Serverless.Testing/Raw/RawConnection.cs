using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Testing.Raw;

/// <summary>
/// The TCP connection under the raw protocol clients of the tests (<see cref="SmtpWire"/>,
/// <see cref="RawImap"/>, <see cref="RawPop3Client"/>, <see cref="Wire"/>): exact bytes out, lines
/// and counted bytes back, every read under a deadline so a hung server fails the test instead of
/// hanging it. The development certificate is trusted for TLS.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawConnection(TcpClient tcp, TimeSpan readTimeout)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        ReadTimeout = readTimeout;
    }

    /// <summary>How long one read (a line, a count of bytes) may wait.</summary>
    public TimeSpan ReadTimeout { get; }

    /// <summary>
    /// Connects to a loopback port; sends <paramref name="prefix"/> first (a PROXY protocol header) and
    /// then starts implicit TLS when <paramref name="tlsHost"/> is given.
    /// </summary>
    public static async Task<RawConnection> OpenAsync(int port, TimeSpan readTimeout, byte[]? prefix = null, string? tlsHost = null)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var connection = new RawConnection(tcp, readTimeout);
        if (prefix is not null)
        {
            await connection.SendAsync(prefix);
        }
        if (tlsHost is not null)
        {
            await connection.StartTlsAsync(tlsHost);
        }
        return connection;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>
    /// The next line with its line end (LF, or CRLF) as received; at the end of the stream the bytes
    /// that came without one, or null when there were none.
    /// </summary>
    public async Task<byte[]?> ReadLineAsync()
    {
        using var deadline = new CancellationTokenSource(ReadTimeout);
        var scanned = 0; // bytes after _start already searched (FillAsync keeps them in front of the new ones)
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (lf >= 0)
            {
                var line = _buffer[_start..(lf + 1)];
                _start = lf + 1;
                return line;
            }
            scanned = _end - _start;
            if (!await FillAsync(deadline.Token))
            {
                var rest = _buffer[_start.._end];
                _start = _end;
                return rest.Length == 0 ? null : rest;
            }
        }
    }

    /// <summary>The next line decoded without its line end (UTF-8 unless said); null at the end of the stream.</summary>
    public async Task<string?> ReadTextLineAsync(Encoding? encoding = null) =>
        await ReadLineAsync() is { } line ? (encoding ?? Encoding.UTF8).GetString(line, 0, line.Length - LineEndLength(line)) : null;

    /// <summary>How many bytes at the end of <paramref name="line"/> are its line end (LF or CRLF; none when the stream ended without one).</summary>
    public static int LineEndLength(byte[] line) =>
        line is [.., (byte)'\r', (byte)'\n'] ? 2 : line is [.., (byte)'\n'] ? 1 : 0;

    /// <summary>Exactly <paramref name="count"/> bytes (an IMAP literal); the stream ending first is an <see cref="EndOfStreamException"/>.</summary>
    public async Task<byte[]> ReadBytesAsync(int count)
    {
        using var deadline = new CancellationTokenSource(ReadTimeout);
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end && !await FillAsync(deadline.Token))
            {
                throw new EndOfStreamException($"The server closed the connection after {filled} of {count} bytes.");
            }
            var n = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, n);
            _start += n;
            filled += n;
        }
        return result;
    }

    /// <summary>
    /// True when the server ends the connection (or resets it) within <paramref name="timeout"/>,
    /// whatever it still sends first; false when it keeps it open.
    /// </summary>
    public async Task<bool> EndsWithinAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                _start = _end = 0; // ignore anything received
                if (!await FillAsync(deadline.Token))
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

    /// <summary>Starts TLS on this connection (after the server's go-ahead); bytes received before are dropped.</summary>
    public async Task StartTlsAsync(string targetHost)
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        using var handshake = new CancellationTokenSource(ReadTimeout);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = targetHost }, handshake.Token);
        _stream = ssl;
        _start = _end = 0;
    }

    /// <summary>COMPRESS DEFLATE (RFC 4978) from here on, both ways; nothing the server sent may be buffered unread.</summary>
    public void StartDeflate()
    {
        if (_start != _end)
        {
            throw new InvalidOperationException("Bytes received before compression started are still unread.");
        }
        _stream = new DeflateDuplexStream(_stream);
    }

    /// <summary>Drops the TCP connection with a reset, as a crashing or disconnected client would.</summary>
    public void Abort()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Close();
    }

    /// <summary>Reads more bytes after the unread ones (the buffer grows for a long line); false at the end of the stream.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += n;
        return n > 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

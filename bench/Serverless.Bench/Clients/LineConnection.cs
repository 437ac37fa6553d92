using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Bench.Clients;

/// <summary>
/// A plain TCP connection to a listener with a small read buffer: CRLF lines, exact byte counts
/// (IMAP literals) and raw writes. TCP_NODELAY on, as real clients have it. Minimal on purpose:
/// the benchmark should measure the server, not a client library.
/// </summary>
internal sealed class LineConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private LineConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <param name="tls">Implicit TLS (IMAPS/POP3S); the development certificate is accepted as it is.</param>
    public static async Task<LineConnection> ConnectAsync(int port, IPAddress? address = null, IPAddress? local = null, bool tls = false, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (local is not null)
            {
                socket.Bind(new IPEndPoint(local, 0));
            }
            await socket.ConnectAsync(new IPEndPoint(address ?? IPAddress.Loopback, port), cancellationToken);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (tls)
            {
                var ssl = new System.Net.Security.SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "localhost" }, cancellationToken);
                stream = ssl;
            }
            return new LineConnection(socket, stream);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Switches to TLS after a STARTTLS / STLS exchange; the development certificate is accepted as it is.</summary>
    public async Task StartTlsAsync(CancellationToken cancellationToken = default)
    {
        if (_start != _end)
        {
            throw new InvalidOperationException("The server sent data after its go-ahead for TLS.");
        }
        var ssl = new System.Net.Security.SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "localhost" }, cancellationToken);
        _stream = ssl;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => _stream.WriteAsync(data, cancellationToken);

    public ValueTask WriteAsync(string text, CancellationToken cancellationToken = default) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Reads one line without its CRLF; throws when the server closes first.</summary>
    public async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        var scanFrom = _start;
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (lf >= 0)
            {
                var len = lf - _start;
                if (len > 0 && _buffer[lf - 1] == '\r')
                {
                    len--;
                }
                var line = Encoding.UTF8.GetString(_buffer, _start, len);
                _start = lf + 1;
                return line;
            }
            scanFrom = _end;
            if (_start > 0)
            {
                scanFrom -= _start;
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                throw new InvalidOperationException("line longer than the client buffer");
            }
            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
            {
                throw new IOException("connection closed by the server");
            }
            _end += n;
        }
    }

    /// <summary>The buffer is used up: reads the next chunk into it; throws when the server closed.</summary>
    private async ValueTask RefillAsync(CancellationToken cancellationToken)
    {
        _start = _end = 0;
        var n = await _stream.ReadAsync(_buffer, cancellationToken);
        if (n == 0)
        {
            throw new IOException("connection closed by the server");
        }
        _end = n;
    }

    /// <summary>Reads and discards exactly <paramref name="count"/> bytes (a literal), counting them.</summary>
    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken = default)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                await RefillAsync(cancellationToken);
            }
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    /// <summary>
    /// Skips a POP3 multi-line body up to and including its "." line (we are at the start of a
    /// line); returns the bytes skipped before the terminator. Scans bytes, builds no strings.
    /// </summary>
    public async ValueTask<long> SkipMultilineAsync(CancellationToken cancellationToken = default)
    {
        long bytes = 0;
        var state = 0; // 0 line start, 1 saw ".", 2 saw ".\r", 3 inside a line
        while (true)
        {
            if (_start == _end)
            {
                await RefillAsync(cancellationToken);
            }
            var i = _start;
            while (i < _end)
            {
                var b = _buffer[i++];
                switch (state)
                {
                    case 0:
                        state = b == '.' ? 1 : b == '\n' ? 0 : 3;
                        break;
                    case 1:
                        state = b == '\r' ? 2 : 3;
                        break;
                    case 2:
                        if (b == '\n')
                        {
                            bytes += i - _start;
                            _start = i;
                            return bytes - 3;
                        }
                        state = 3;
                        break;
                    default:
                        var lf = Array.IndexOf(_buffer, (byte)'\n', i - 1, _end - i + 1);
                        if (lf < 0)
                        {
                            i = _end;
                        }
                        else
                        {
                            i = lf + 1;
                            state = 0;
                        }
                        break;
                }
            }
            bytes += _end - _start;
            _start = _end;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (a literal) as text.</summary>
    public async ValueTask<string> ReadExactAsync(int count, CancellationToken cancellationToken = default)
    {
        var result = new byte[count];
        var done = 0;
        while (done < count)
        {
            if (_start == _end)
            {
                await RefillAsync(cancellationToken);
            }
            var take = Math.Min(count - done, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, done, take);
            _start += take;
            done += take;
        }
        return Encoding.UTF8.GetString(result);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        await _stream.DisposeAsync();
    }
}

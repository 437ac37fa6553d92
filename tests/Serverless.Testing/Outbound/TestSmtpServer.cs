using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Serverless.Testing.Outbound;

/// <summary>How a <see cref="TestSmtpServer"/> behaves: what it offers and what it answers.</summary>
public sealed class TestSmtpScript
{
    public string HostName { get; set; } = "mx.test";

    /// <summary>The greeting; a 4xx/5xx one refuses the session.</summary>
    public string Greeting { get; set; } = "";

    /// <summary>With a certificate the server offers STARTTLS.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Refuse MAIL until STARTTLS.</summary>
    public bool RequireTls { get; set; }

    /// <summary>With credentials the server offers AUTH PLAIN/LOGIN (after TLS when it has a certificate) and requires it.</summary>
    public (string UserName, string Password)? Auth { get; set; }

    public bool Pipelining { get; set; } = true;

    public bool EightBitMime { get; set; } = true;

    public bool SmtpUtf8 { get; set; } = true;

    public bool Dsn { get; set; } = true;

    /// <summary>Reply to RCPT for an address; null means 250.</summary>
    public Func<string, string?>? RcptReply { get; set; }

    /// <summary>Reply after the data of the n-th transaction (0-based, all connections); null means 250.</summary>
    public Func<int, string?>? DataReply { get; set; }
}

public sealed record ReceivedMessage(string MailFrom, string MailParameters, IReadOnlyList<string> Recipients, IReadOnlyList<string> RecipientParameters,
    byte[] Data, bool Tls, string? AuthUser, string Helo)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A small receiving SMTP server on a loopback address for outbound-delivery tests: ESMTP with
/// optional STARTTLS (self-signed certificate), AUTH PLAIN/LOGIN, PIPELINING (answers each command
/// in order), DATA with dot-unstuffing, and scripted replies. It records every accepted message
/// and every command line it saw.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly TestSmtpScript _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly Task _accept;
    private int _transactions;
    private int _connections;

    public TestSmtpServer(IPAddress address, int port, TestSmtpScript? script = null)
    {
        _script = script ?? new TestSmtpScript();
        _listener = new TcpListener(address, port);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accept = AcceptLoopAsync();
    }

    public static TestSmtpServer Start(string address, int port, Action<TestSmtpScript>? configure = null)
    {
        var script = new TestSmtpScript();
        configure?.Invoke(script);
        return new TestSmtpServer(IPAddress.Parse(address), port, script);
    }

    public IPEndPoint EndPoint { get; }

    public IReadOnlyList<ReceivedMessage> Messages => [.. _messages];

    /// <summary>Every command line received (AUTH payloads included: test credentials only).</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Waits until at least <paramref name="count"/> messages arrived, or throws after the deadline.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (_messages.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{EndPoint}: expected {count} messages, got {_messages.Count}.");
            }
            await Task.Delay(20);
        }
        return Messages;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            client.NoDelay = true; // as real MTAs do: pipelined replies must not wait for ACKs
            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await new Session(this, client.GetStream()).RunAsync(_stop.Token);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException
                        or System.Security.Authentication.AuthenticationException)
                    {
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        _stop.Dispose();
    }

    private sealed class Session(TestSmtpServer server, Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private Stream _stream = stream;
        private int _start;
        private int _end;
        private bool _tls;
        private string? _user;
        private string _helo = "";
        private string? _from;
        private string _fromParameters = "";
        private readonly List<string> _rcpts = [];
        private readonly List<string> _rcptParameters = [];

        private TestSmtpScript Script => server._script;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var greeting = Script.Greeting.Length > 0 ? Script.Greeting : $"220 {Script.HostName} ESMTP test server";
            await WriteAsync(greeting, cancellationToken);
            if (!greeting.StartsWith('2'))
            {
                return;
            }
            while (await ReadLineAsync(cancellationToken) is { } line)
            {
                server._commands.Enqueue(line);
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
                var arg = space < 0 ? "" : line[(space + 1)..];
                switch (verb)
                {
                    case "EHLO":
                        _helo = arg;
                        var caps = Capabilities().ToList();
                        await WriteAsync(string.Join("\r\n", caps.Select((c, i) => (i == caps.Count - 1 ? "250 " : "250-") + c)), cancellationToken);
                        break;
                    case "HELO":
                        _helo = arg;
                        await WriteAsync($"250 {Script.HostName}", cancellationToken);
                        break;
                    case "STARTTLS" when Script.Certificate is not null && !_tls:
                        await WriteAsync("220 2.0.0 Ready to start TLS", cancellationToken);
                        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Script.Certificate }, cancellationToken);
                        _stream = ssl;
                        _start = _end = 0; // anything pipelined before the handshake is discarded (RFC 3207)
                        _tls = true;
                        ResetTransaction();
                        _helo = "";
                        break;
                    case "AUTH" when Script.Auth is not null:
                        await AuthAsync(arg, cancellationToken);
                        break;
                    case "MAIL":
                        await MailAsync(arg, cancellationToken);
                        break;
                    case "RCPT":
                        await RcptAsync(arg, cancellationToken);
                        break;
                    case "DATA":
                        await DataAsync(cancellationToken);
                        break;
                    case "RSET":
                        ResetTransaction();
                        await WriteAsync("250 2.0.0 OK", cancellationToken);
                        break;
                    case "NOOP":
                        await WriteAsync("250 2.0.0 OK", cancellationToken);
                        break;
                    case "QUIT":
                        await WriteAsync("221 2.0.0 Bye", cancellationToken);
                        return;
                    default:
                        await WriteAsync("502 5.5.1 Command not implemented", cancellationToken);
                        break;
                }
            }
        }

        private IEnumerable<string> Capabilities()
        {
            yield return Script.HostName;
            if (Script.Pipelining)
            {
                yield return "PIPELINING";
            }
            yield return "SIZE 52428800";
            if (Script.EightBitMime)
            {
                yield return "8BITMIME";
            }
            if (Script.SmtpUtf8)
            {
                yield return "SMTPUTF8";
            }
            if (Script.Dsn)
            {
                yield return "DSN";
            }
            yield return "ENHANCEDSTATUSCODES";
            if (Script.Certificate is not null && !_tls)
            {
                yield return "STARTTLS";
            }
            if (Script.Auth is not null && (_tls || Script.Certificate is null))
            {
                yield return "AUTH PLAIN LOGIN";
            }
        }

        private async Task AuthAsync(string arg, CancellationToken cancellationToken)
        {
            var parts = arg.Split(' ', 2);
            string? user = null;
            string? password = null;
            if (parts[0].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
            {
                var payload = parts.Length > 1 ? parts[1] : await PromptAsync("", cancellationToken);
                var fields = Encoding.UTF8.GetString(Convert.FromBase64String(payload ?? "")).Split('\0');
                if (fields.Length == 3)
                {
                    (user, password) = (fields[1], fields[2]);
                }
            }
            else if (parts[0].Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
            {
                var u = parts.Length > 1 ? parts[1] : await PromptAsync("VXNlcm5hbWU6", cancellationToken);
                var p = await PromptAsync("UGFzc3dvcmQ6", cancellationToken);
                user = Encoding.UTF8.GetString(Convert.FromBase64String(u ?? ""));
                password = Encoding.UTF8.GetString(Convert.FromBase64String(p ?? ""));
            }
            if (user is not null && Script.Auth is { } expected && user == expected.UserName && password == expected.Password)
            {
                _user = user;
                await WriteAsync("235 2.7.0 Authentication successful", cancellationToken);
            }
            else
            {
                await WriteAsync("535 5.7.8 Authentication credentials invalid", cancellationToken);
            }
        }

        private async Task<string?> PromptAsync(string challenge, CancellationToken cancellationToken)
        {
            await WriteAsync("334 " + challenge, cancellationToken);
            return await ReadLineAsync(cancellationToken);
        }

        private async Task MailAsync(string arg, CancellationToken cancellationToken)
        {
            if (Script.RequireTls && !_tls)
            {
                await WriteAsync("530 5.7.0 Must issue a STARTTLS command first", cancellationToken);
                return;
            }
            if (Script.Auth is not null && _user is null)
            {
                await WriteAsync("530 5.7.0 Authentication required", cancellationToken);
                return;
            }
            var (address, parameters) = Path(arg, "FROM:");
            ResetTransaction();
            _from = address;
            _fromParameters = parameters;
            await WriteAsync("250 2.1.0 Sender OK", cancellationToken);
        }

        private async Task RcptAsync(string arg, CancellationToken cancellationToken)
        {
            if (_from is null)
            {
                await WriteAsync("503 5.5.1 MAIL first", cancellationToken);
                return;
            }
            var (address, parameters) = Path(arg, "TO:");
            var reply = Script.RcptReply?.Invoke(address);
            if (reply is null || reply.StartsWith('2'))
            {
                _rcpts.Add(address);
                _rcptParameters.Add(parameters);
            }
            await WriteAsync(reply ?? "250 2.1.5 Recipient OK", cancellationToken);
        }

        private async Task DataAsync(CancellationToken cancellationToken)
        {
            if (_from is null || _rcpts.Count == 0)
            {
                await WriteAsync("554 5.5.1 No valid recipients", cancellationToken);
                return;
            }
            await WriteAsync("354 End data with <CR><LF>.<CR><LF>", cancellationToken);
            using var data = new MemoryStream();
            while (true)
            {
                var line = await ReadRawLineAsync(cancellationToken) ?? throw new IOException("Connection closed in DATA.");
                if (line.Length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n')
                {
                    break;
                }
                var offset = line.Length > 0 && line[0] == '.' ? 1 : 0;
                data.Write(line, offset, line.Length - offset);
            }
            var index = Interlocked.Increment(ref server._transactions) - 1;
            var reply = Script.DataReply?.Invoke(index);
            if (reply is null || reply.StartsWith('2'))
            {
                server._messages.Enqueue(new ReceivedMessage(_from, _fromParameters, [.. _rcpts], [.. _rcptParameters], data.ToArray(), _tls, _user, _helo));
            }
            ResetTransaction();
            await WriteAsync(reply ?? "250 2.0.0 Queued", cancellationToken);
        }

        private void ResetTransaction()
        {
            _from = null;
            _fromParameters = "";
            _rcpts.Clear();
            _rcptParameters.Clear();
        }

        private static (string Address, string Parameters) Path(string arg, string prefix)
        {
            var rest = arg.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? arg[prefix.Length..].TrimStart() : arg;
            var close = rest.IndexOf('>', StringComparison.Ordinal);
            if (!rest.StartsWith('<') || close < 0)
            {
                return (rest, "");
            }
            return (rest[1..close], rest[(close + 1)..].Trim());
        }

        private async Task WriteAsync(string reply, CancellationToken cancellationToken)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }

        private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var raw = await ReadRawLineAsync(cancellationToken);
            return raw is null ? null : Encoding.UTF8.GetString(raw).TrimEnd('\r', '\n');
        }

        /// <summary>One line including its CRLF (or up to the buffer size), or null at end of stream.</summary>
        private async Task<byte[]?> ReadRawLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    var line = _buffer.AsSpan(_start, lf - _start + 1).ToArray();
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
                    var line = _buffer.AsSpan(0, _end).ToArray();
                    _end = 0;
                    return line;
                }
                var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
                if (n == 0)
                {
                    return null;
                }
                _end += n;
            }
        }
    }
}

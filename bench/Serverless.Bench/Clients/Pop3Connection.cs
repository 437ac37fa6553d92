namespace Serverless.Bench.Clients;

/// <summary>A minimal POP3 client over a raw socket: USER/PASS, STAT, pipelined RETR, QUIT.</summary>
internal sealed class Pop3Connection : IAsyncDisposable
{
    private readonly LineConnection _c;

    private Pop3Connection(LineConnection c) => _c = c;

    /// <param name="tls">Implicit TLS (POP3S).</param>
    /// <param name="stls">STLS right after the greeting (port 110's way).</param>
    /// <param name="address">The server (loopback when null).</param>
    public static async Task<Pop3Connection> ConnectAsync(int port, bool tls = false, bool stls = false, System.Net.IPAddress? address = null, CancellationToken cancellationToken = default)
    {
        var c = await LineConnection.ConnectAsync(port, address, tls: tls, cancellationToken: cancellationToken);
        var greeting = await c.ReadLineAsync(cancellationToken);
        if (!greeting.StartsWith("+OK", StringComparison.Ordinal))
        {
            await c.DisposeAsync();
            throw new InvalidOperationException("POP3 greeting: " + greeting);
        }
        var connection = new Pop3Connection(c);
        if (stls)
        {
            await connection.CommandAsync("STLS", cancellationToken);
            await c.StartTlsAsync(cancellationToken);
        }
        return connection;
    }

    public async Task<string> CommandAsync(string command, CancellationToken cancellationToken = default)
    {
        await _c.WriteAsync(command + "\r\n", cancellationToken);
        var reply = await _c.ReadLineAsync(cancellationToken);
        return reply.StartsWith("+OK", StringComparison.Ordinal) ? reply : throw new InvalidOperationException($"{command.Split(' ')[0]}: {reply}");
    }

    public async Task LoginAsync(string user, string password, CancellationToken cancellationToken = default)
    {
        await CommandAsync("USER " + user, cancellationToken);
        await CommandAsync("PASS " + password, cancellationToken);
    }

    /// <summary>
    /// RETR of messages 1..count with up to <paramref name="window"/> commands in flight
    /// (RFC 2449 PIPELINING); returns the bytes received (after the status lines).
    /// </summary>
    /// <summary>
    /// RETR 1…<paramref name="count"/> with up to <paramref name="window"/> commands in flight. With
    /// <paramref name="times"/> (meaningful for a window of 1) each RETR's time from the command to its
    /// +OK line (the server finding the message: a storage read, or what it fetched ahead) and from there
    /// to the end of the body is recorded, in milliseconds.
    /// </summary>
    public async Task<long> RetrieveAllAsync(int count, int window, List<(double ToStatus, double Body)>? times = null, CancellationToken cancellationToken = default)
    {
        long bytes = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var asked = 0.0;
        var sent = 0;
        for (var received = 0; received < count; received++)
        {
            if (sent < count && sent - received < window)
            {
                var batch = new System.Text.StringBuilder();
                while (sent < count && sent - received < window)
                {
                    batch.Append("RETR ").Append(++sent).Append("\r\n");
                }
                asked = clock.Elapsed.TotalMilliseconds;
                await _c.WriteAsync(batch.ToString(), cancellationToken);
            }
            var status = await _c.ReadLineAsync(cancellationToken);
            var answered = clock.Elapsed.TotalMilliseconds;
            if (!status.StartsWith("+OK", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"RETR {received + 1}: {status}");
            }
            bytes += await _c.SkipMultilineAsync(cancellationToken);
            times?.Add((answered - asked, clock.Elapsed.TotalMilliseconds - answered));
        }
        return bytes;
    }

    public async Task QuitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await CommandAsync("QUIT", cancellationToken);
        }
        catch (IOException)
        {
        }
    }

    public ValueTask DisposeAsync() => _c.DisposeAsync();
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Serverless.Listeners.Connections;

/// <summary>
/// At most <c>Mail:Listeners:MaxUnauthenticatedConnections</c> connections per listener (port)
/// that have not logged in, so clients that connect and never log in cannot hold the memory of
/// the process between them. A connection leaves the count when it logs in (IMAP LOGIN /
/// AUTHENTICATE, POP3 USER+PASS / AUTH / APOP, SMTP AUTH) or closes. On the MX nobody logs in: there
/// it is a cap on concurrent connections. One over the cap is answered with the protocol's "try
/// later" line (over TLS on the implicit-TLS ports: the gate runs after the handshake) and closed.
/// </summary>
public sealed partial class PreLoginConnections(int maxPerListener, ILogger<PreLoginConnections> logger)
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _open = new();

    public int MaxPerListener => maxPerListener;

    /// <summary>Connections of <paramref name="listener"/> (e.g. "imaps") that have not logged in yet.</summary>
    public int OpenOn(string listener) => _open.TryGetValue(listener, out var n) ? Volatile.Read(ref n.Value) : 0;

    /// <summary>A place for one more connection on <paramref name="listener"/>, or null when it is full.</summary>
    public PreLoginSlot? TryEnter(string listener)
    {
        var count = _open.GetOrAdd(listener, _ => new StrongBox<int>());
        if (Interlocked.Increment(ref count.Value) <= maxPerListener)
        {
            return new PreLoginSlot(count);
        }
        Interlocked.Decrement(ref count.Value);
        return null;
    }

    /// <summary>
    /// The connection middleware; put after the TLS handshake of implicit-TLS ports so the refusal is
    /// readable, right before the protocol's handler. An admitted connection's slot goes with it as
    /// a feature and is given back by <see cref="MailTransport"/> (at login, else when the handler
    /// disposes the transport, which every handler does first thing and last): not an async method
    /// here, whose frame every connection would hold for its whole life only to dispose the slot.
    /// </summary>
    public Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        var endpoint = connection.Features.Get<MailEndpoint>();
        if (endpoint is null)
        {
            return next(connection);
        }
        var slot = TryEnter(endpoint.Name);
        if (slot is null)
        {
            return RefuseAsync(connection, endpoint);
        }
        connection.Features.Set(slot);
        try
        {
            return next(connection);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    private async Task RefuseAsync(ConnectionContext connection, MailEndpoint endpoint)
    {
        LogRefused(endpoint.Name, maxPerListener);
        var line = endpoint.Protocol switch
        {
            MailProtocol.Smtp => "421 4.7.0 Too many connections, try again later\r\n",
            MailProtocol.Imap => "* BYE [UNAVAILABLE] Too many connections, try again later\r\n",
            MailProtocol.ManageSieve => "BYE (TRYLATER) \"Too many connections, try again later\"\r\n",
            _ => "-ERR [SYS/TEMP] Too many connections, try again later\r\n",
        };
        try
        {
            await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(line), connection.ConnectionClosed);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionResetException or InvalidOperationException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Too many connections not logged in on {Listener} (limit {Limit}): refused")]
    private partial void LogRefused(string listener, int limit);
}

/// <summary>One connection's place among those not logged in; disposed at login or close (whichever comes first).</summary>
public sealed class PreLoginSlot : IDisposable
{
    private StrongBox<int>? _count;

    internal PreLoginSlot(StrongBox<int> count) => _count = count;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _count, null) is { } count)
        {
            Interlocked.Decrement(ref count.Value);
        }
    }
}

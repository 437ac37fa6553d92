using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Serverless.Listeners.Connections;

/// <summary>
/// At most <c>Mail:Listeners:MaxConnectionsPerIp</c> open connections per client address (the real
/// one, after the PROXY protocol), across all listeners of the process. Excess connections get the
/// protocol's "try later" line where the connection is plaintext, and are closed.
/// </summary>
public sealed partial class ConnectionLimiter(int maxPerAddress, ILogger<ConnectionLimiter> logger)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public int OpenFrom(IPAddress address) => _open.TryGetValue(Normalize(address), out var n) ? n : 0;

    public bool TryAcquire(IPAddress address)
    {
        address = Normalize(address);
        var n = _open.AddOrUpdate(address, 1, (_, c) => c + 1);
        if (n <= maxPerAddress)
        {
            return true;
        }
        Release(address);
        return false;
    }

    public void Release(IPAddress address)
    {
        address = Normalize(address);
        while (_open.TryGetValue(address, out var n))
        {
            if (n <= 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(address, n)) : _open.TryUpdate(address, n - 1, n))
            {
                return;
            }
        }
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        var address = connection.Features.Get<ClientAddressFeature>()?.ClientEndPoint.Address ?? (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (address is null)
        {
            await next(connection);
            return;
        }
        if (!TryAcquire(address))
        {
            LogRefused(address.ToString());
            var endpoint = connection.Features.Get<MailEndpoint>();
            if (endpoint?.Tls == TlsMode.StartTls)
            {
                var line = endpoint.Protocol switch
                {
                    MailProtocol.Smtp => "421 4.7.0 Too many connections from your address, try again later\r\n",
                    MailProtocol.Imap => "* BYE Too many connections from your address, try again later\r\n",
                    _ => "-ERR [SYS/TEMP] Too many connections from your address, try again later\r\n",
                };
                try
                {
                    await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(line), connection.ConnectionClosed);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionResetException)
                {
                }
            }
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            Release(address);
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Too many connections from {Address}: refused")]
    private partial void LogRefused(string address);
}

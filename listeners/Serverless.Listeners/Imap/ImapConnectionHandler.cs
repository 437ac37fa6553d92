using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;

namespace Serverless.Listeners.Imap;

/// <summary>
/// Kestrel entry point for the IMAP ports (2143 STARTTLS, 2993 implicit TLS). The per-address
/// connection limit and the PROXY protocol are applied before this by the listener middleware.
/// </summary>
public sealed class ImapConnectionHandler : ConnectionHandler
{
    private readonly TlsCertificateProvider _certificates;
    private readonly ImapServices _services;
    private readonly ILogger _logger;

    public ImapConnectionHandler(TlsCertificateProvider certificates, IServiceProvider services, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(loggers);
        _certificates = certificates;
        _services = services.GetRequiredService<ImapServices>();
        _logger = loggers.CreateLogger("Serverless.Listeners.Imap.ImapSession");
    }

    /// <summary>
    /// Not an async method: the session disposes the transport when it ends, so no frame of this
    /// method waits under every connection (an IMAP client may idle for days).
    /// </summary>
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        var transport = new MailTransport(connection, _certificates);
        return new ImapSession(_services, transport, _logger).RunAsync(transport.ConnectionClosed);
    }
}

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

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, _certificates);
        var session = new ImapSession(_services, transport, _logger);
        await session.RunAsync(transport.ConnectionClosed);
    }
}

using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;

namespace Serverless.Listeners.Imap;

/// <summary>Kestrel entry point for the IMAP ports (2143 STARTTLS, 2993 implicit TLS).</summary>
public sealed class ImapConnectionHandler : ConnectionHandler
{
    private readonly TlsCertificateProvider _certificates;
    private readonly ImapServices _services;
    private readonly ImapConnectionLimiter _limiter;
    private readonly ILogger _logger;

    public ImapConnectionHandler(TlsCertificateProvider certificates, IServiceProvider services, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(loggers);
        _certificates = certificates;
        _services = services.GetRequiredService<ImapServices>();
        _limiter = services.GetRequiredService<ImapConnectionLimiter>();
        _logger = loggers.CreateLogger("Serverless.Listeners.Imap.ImapSession");
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, _certificates);
        var ct = transport.ConnectionClosed;
        if (!_limiter.TryEnter(transport.ClientAddress))
        {
            await LineSession.WriteLineAsync(transport.Output, "* BYE [UNAVAILABLE] Too many connections from your address", ct);
            await transport.Output.FlushAsync(ct);
            return;
        }
        try
        {
            var session = new ImapSession(_services, transport, _logger);
            await session.RunAsync(ct);
        }
        finally
        {
            _limiter.Exit(transport.ClientAddress);
        }
    }
}

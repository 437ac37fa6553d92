using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;

namespace Serverless.Listeners.Smtp;

/// <summary>Kestrel entry point for the MX and submission ports: one <see cref="SmtpSession"/> per connection.</summary>
public sealed class SmtpConnectionHandler(TlsCertificateProvider certificates, SmtpServices services) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, certificates);
        await new SmtpSession(transport, services).RunAsync();
    }
}

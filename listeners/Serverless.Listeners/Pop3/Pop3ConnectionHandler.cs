using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Security;

namespace Serverless.Listeners.Pop3;

/// <summary>Kestrel entry point for the POP3 ports (STLS and implicit TLS): one session per connection.</summary>
public sealed class Pop3ConnectionHandler : ConnectionHandler
{
    private readonly TlsCertificateProvider _certificates;
    private readonly Pop3Services _services;

    public Pop3ConnectionHandler(
        TlsCertificateProvider certificates,
        ListenerOptions listener,
        Pop3Options options,
        LoginVerifier logins,
        MailboxIndex index,
        MessageStore messages,
        MaildropLeases leases,
        Pop3ReadAheadBudget readAheadBudget,
        ILogger<Pop3Session> logger,
        IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _certificates = certificates;
        _services = new Pop3Services(listener, options, logins, index, messages, leases, readAheadBudget, services.GetRequiredService<Caching.MessageCache>(), logger);
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, _certificates);
        var session = new Pop3Session(transport, _services);
        await session.RunAsync();
    }
}

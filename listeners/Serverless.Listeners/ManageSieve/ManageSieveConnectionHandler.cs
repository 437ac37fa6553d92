using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Security;
using Serverless.Mail.Sieve;
using Serverless.Mail.Sieve.Scripts;

namespace Serverless.Listeners.ManageSieve;

/// <summary>Kestrel entry point for the ManageSieve port (4190, STARTTLS): one session per connection.</summary>
public sealed class ManageSieveConnectionHandler : ConnectionHandler
{
    private readonly TlsCertificateProvider _certificates;
    private readonly ManageSieveServices _services;

    public ManageSieveConnectionHandler(
        TlsCertificateProvider certificates,
        ListenerOptions listener,
        ManageSieveOptions options,
        LoginVerifier logins,
        SieveScripts scripts,
        SieveScriptSource activeScripts,
        IServiceProvider provider,
        ILogger<ManageSieveSession> logger)
    {
        _certificates = certificates;
        // The checker is the Sieve language's (registered with it); resolved, not required, so the
        // listener starts without it and refuses to store scripts it cannot check.
        _services = new ManageSieveServices(listener, options, logins, scripts, activeScripts, provider.GetRequiredService<ISieveChecker>(), logger);
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, _certificates);
        var session = new ManageSieveSession(transport, _services);
        await session.RunAsync();
    }
}

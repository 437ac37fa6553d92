using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Hosting;

namespace Serverless.Listeners.Smtp;

/// <summary>Kestrel entry point for the MX and submission ports.</summary>
public sealed class SmtpConnectionHandler(TlsCertificateProvider certificates, ListenerOptions options) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, certificates);
        var ct = transport.ConnectionClosed;
        await LineSession.WriteLineAsync(transport.Output, $"220 {options.HostName} ESMTP Serverless Mail", ct);
        await transport.Output.FlushAsync(ct);
        try
        {
            while (await LineSession.ReadLineAsync(transport.Input, 1000, ct) is { } line)
            {
                if (line.Equals("QUIT", StringComparison.OrdinalIgnoreCase))
                {
                    await LineSession.WriteLineAsync(transport.Output, "221 2.0.0 Bye", ct);
                    await transport.Output.FlushAsync(ct);
                    return;
                }
                await LineSession.WriteLineAsync(transport.Output, "502 5.5.1 Command not implemented", ct);
                await transport.Output.FlushAsync(ct);
            }
        }
        catch (LineTooLongException)
        {
            await LineSession.WriteLineAsync(transport.Output, "500 5.5.2 Line too long", ct);
            await transport.Output.FlushAsync(ct);
        }
    }
}

using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;

namespace Serverless.Listeners.Pop3;

/// <summary>Kestrel entry point for the POP3 ports.</summary>
public sealed class Pop3ConnectionHandler(TlsCertificateProvider certificates) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, certificates);
        var ct = transport.ConnectionClosed;
        await LineSession.WriteLineAsync(transport.Output, "+OK Serverless Mail POP3 ready", ct);
        await transport.Output.FlushAsync(ct);
        try
        {
            while (await LineSession.ReadLineAsync(transport.Input, 512, ct) is { } line)
            {
                if (line.Equals("QUIT", StringComparison.OrdinalIgnoreCase))
                {
                    await LineSession.WriteLineAsync(transport.Output, "+OK Bye", ct);
                    await transport.Output.FlushAsync(ct);
                    return;
                }
                await LineSession.WriteLineAsync(transport.Output, "-ERR Command not implemented", ct);
                await transport.Output.FlushAsync(ct);
            }
        }
        catch (LineTooLongException)
        {
            await LineSession.WriteLineAsync(transport.Output, "-ERR Line too long", ct);
            await transport.Output.FlushAsync(ct);
        }
    }
}

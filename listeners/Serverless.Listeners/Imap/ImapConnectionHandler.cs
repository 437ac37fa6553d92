using Microsoft.AspNetCore.Connections;
using Serverless.Listeners.Connections;

namespace Serverless.Listeners.Imap;

/// <summary>Kestrel entry point for the IMAP ports.</summary>
public sealed class ImapConnectionHandler(TlsCertificateProvider certificates) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await using var transport = new MailTransport(connection, certificates);
        var ct = transport.ConnectionClosed;
        await LineSession.WriteLineAsync(transport.Output, "* OK [CAPABILITY IMAP4rev1] Serverless Mail ready", ct);
        await transport.Output.FlushAsync(ct);
        try
        {
            while (await LineSession.ReadLineAsync(transport.Input, 8192, ct) is { } line)
            {
                var parts = line.Split(' ', 3);
                var tag = parts[0];
                if (parts.Length > 1 && parts[1].Equals("LOGOUT", StringComparison.OrdinalIgnoreCase))
                {
                    await LineSession.WriteLineAsync(transport.Output, "* BYE Logging out", ct);
                    await LineSession.WriteLineAsync(transport.Output, $"{tag} OK LOGOUT completed", ct);
                    await transport.Output.FlushAsync(ct);
                    return;
                }
                await LineSession.WriteLineAsync(transport.Output, $"{tag} BAD Command not implemented", ct);
                await transport.Output.FlushAsync(ct);
            }
        }
        catch (LineTooLongException)
        {
            await LineSession.WriteLineAsync(transport.Output, "* BYE Line too long", ct);
            await transport.Output.FlushAsync(ct);
        }
    }
}

using Serverless.Listeners.Connections;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>
/// STARTTLS (RFC 3207). Anything the client pipelined after the command is discarded before the
/// handshake (<see cref="MailTransport.UpgradeToTlsAsync"/>), and the session starts over: the
/// client must EHLO again and nothing learnt in plaintext is kept (RFC 3207 4.2).
/// </summary>
public sealed class StartTlsCommand : ISmtpCommand
{
    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        if (session.Transport.Endpoint.Tls != TlsMode.StartTls)
        {
            return SmtpReply.Of(502, "5.5.1", "STARTTLS not available on this port");
        }
        if (session.Transport.IsTls)
        {
            return SmtpReply.Of(503, "5.5.1", "TLS already active");
        }
        if (line.Argument.Length > 0)
        {
            return SmtpReply.Of(501, "5.5.4", "Syntax: STARTTLS");
        }
        await session.Transport.UpgradeToTlsAsync(_ => session.SendNowAsync(SmtpReply.Of(220, "2.0.0", "Ready to start TLS")), cancellationToken);
        await session.ResetTransactionAsync();
        session.OnTlsStarted();
        return null;
    }
}

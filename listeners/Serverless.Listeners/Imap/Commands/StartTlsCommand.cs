using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.2.1 STARTTLS. Bytes the client pipelined after the command are discarded, the OK is
/// flushed, then the handshake runs (the transport does all three, in that order); the capabilities change.
/// </summary>
internal sealed class StartTlsCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        if (!session.CanStartTls)
        {
            return ImapResult.Bad(session.Transport.IsTls ? "TLS is already active" : "STARTTLS is not available on this port");
        }
        try
        {
            await session.Transport.UpgradeToTlsAsync(async ct =>
            {
                session.WriteTagged(command.Tag, ImapResult.Ok("Begin TLS negotiation now"));
                await session.FlushAsync(ct);
            }, cancellationToken);
            session.ResetInput();
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            session.CloseAfterCommand(); // nothing sensible can follow a failed handshake
        }
        return ImapResult.Sent;
    }
}

using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.2.1 STARTTLS. The OK is flushed, then the handshake runs; bytes the client pipelined
/// after the command are discarded (the transport does that), and the capabilities change.
/// </summary>
internal sealed class StartTlsCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        if (!session.CanStartTls)
        {
            return ImapResult.Bad(session.Transport.IsTls ? "TLS is already active" : "STARTTLS is not available on this port");
        }
        session.WriteTagged(command.Tag, ImapResult.Ok("Begin TLS negotiation now"));
        await session.FlushAsync(cancellationToken);
        try
        {
            await session.Transport.UpgradeToTlsAsync(cancellationToken);
            session.ResetInput();
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            session.CloseAfterCommand(); // nothing sensible can follow a failed handshake
        }
        return ImapResult.Sent;
    }
}

using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 3501 6.1.3 LOGOUT.</summary>
internal sealed class LogoutCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.WriteLine("* BYE Serverless Mail IMAP logging out");
        session.Deselect();
        session.State = new ImapSessionState.Logout();
        return Task.FromResult(ImapResult.Ok("LOGOUT completed"));
    }
}

using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 5267 4.3 CANCELUPDATE: stops the updates of the searches started with these tags.</summary>
internal sealed class CancelUpdateCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (CancelUpdateArguments)command.Arguments;
        return Task.FromResult(session.SearchUpdates.Cancel(args.Tags)
            ? ImapResult.Ok("CANCELUPDATE completed")
            : ImapResult.Bad("No search is kept updated under that tag"));
    }
}

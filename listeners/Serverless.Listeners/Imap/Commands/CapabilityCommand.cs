using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 3501 6.1.1 CAPABILITY.</summary>
internal sealed class CapabilityCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.WriteLine("* CAPABILITY " + ImapCapabilities.For(session));
        return Task.FromResult(ImapResult.Ok("CAPABILITY completed"));
    }
}

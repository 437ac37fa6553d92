using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 2342 NAMESPACE: one personal namespace, no prefix, "/" as the delimiter.</summary>
internal sealed class NamespaceCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.WriteLine("* NAMESPACE ((\"\" \"/\")) NIL NIL");
        return Task.FromResult(ImapResult.Ok("NAMESPACE completed"));
    }
}

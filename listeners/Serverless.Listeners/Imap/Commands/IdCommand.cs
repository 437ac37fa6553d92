using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 2971 ID: says who we are; what the client says is not kept.</summary>
internal sealed class IdCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.WriteLine("* ID (\"name\" \"Serverless Mail\" \"vendor\" \"Serverless Mail\" \"support-url\" NIL)");
        return Task.FromResult(ImapResult.Ok("ID completed"));
    }
}

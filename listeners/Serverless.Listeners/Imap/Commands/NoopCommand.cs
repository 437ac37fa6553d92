using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 3501 6.1.2 NOOP and 6.4.1 CHECK: nothing to do but report changes (the table forces a check).</summary>
internal sealed class NoopCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken) =>
        Task.FromResult(ImapResult.Ok(command.Name + " completed"));
}

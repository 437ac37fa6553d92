using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>
/// One IMAP command. It writes its untagged data through the session and returns how it ended;
/// the session writes pending change notifications and the tagged line.
/// </summary>
internal interface IImapCommand
{
    Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken);
}

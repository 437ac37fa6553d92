using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3;

/// <summary>One POP3 command. Commands keep no state of their own: the session carries it.</summary>
internal interface IPop3Command
{
    ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken);
}

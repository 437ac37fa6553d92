using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 NOOP.</summary>
internal sealed class NoopCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Pop3Reply.Ok(""));
}

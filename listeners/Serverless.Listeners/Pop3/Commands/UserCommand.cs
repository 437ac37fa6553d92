using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 USER: remembers the name for PASS. Refused on plaintext connections (RFC 2595).</summary>
internal sealed class UserCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (!session.PlaintextAuthAllowed)
        {
            return ValueTask.FromResult(Pop3Reply.Error("Plaintext authentication is only allowed over TLS: use STLS first", Pop3ResponseCodes.Auth));
        }
        session.PendingUser = command.Argument;
        return ValueTask.FromResult(Pop3Reply.Ok("Send your password"));
    }
}

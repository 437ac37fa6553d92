using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>RFC 1939 PASS: completes USER; on success the session enters TRANSACTION.</summary>
internal sealed class PassCommand : IPop3Command
{
    public async ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (!session.PlaintextAuthAllowed)
        {
            return Pop3Reply.Error("Plaintext authentication is only allowed over TLS: use STLS first", Pop3ResponseCodes.Auth);
        }
        if (session.PendingUser is not { } user)
        {
            return Pop3Reply.Error("Send USER first");
        }
        session.PendingUser = null; // RFC 1939: after a failed PASS the client starts again with USER
        return await Pop3Login.LoginAsync(session, user, command.Argument!, cancellationToken);
    }
}

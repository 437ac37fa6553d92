using Serverless.Protocols.Common;
using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>
/// RFC 5034 AUTH with SASL PLAIN (RFC 4616), with or without an initial response; "*" cancels.
/// "AUTH" alone lists the mechanisms (what RFC 1734 clients expect). Only over TLS or the
/// loopback development setting.
/// </summary>
internal sealed class AuthCommand : IPop3Command
{
    public async ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (command.Argument is null)
        {
            return Pop3Reply.MultiLine("Supported mechanisms follow", session.PlaintextAuthAllowed ? ["PLAIN"] : []);
        }
        if (command.Argument != "PLAIN")
        {
            return Pop3Reply.Error("Unsupported authentication mechanism");
        }
        if (!session.PlaintextAuthAllowed)
        {
            return Pop3Reply.Error("Plaintext authentication is only allowed over TLS: use STLS first", Pop3ResponseCodes.Auth);
        }
        if (command.Argument2 is null)
        {
            return Pop3Reply.Continue("", (response, ct) => CompleteAsync(session, response, ct));
        }
        return await CompleteAsync(session, command.Argument2, cancellationToken);
    }

    private static async ValueTask<Pop3Reply> CompleteAsync(Pop3Session session, string response, CancellationToken ct)
    {
        if (response == "*")
        {
            return Pop3Reply.Error("Authentication cancelled");
        }
        if (SaslDecoder.TryDecodePlain(response, out var credentials) != SaslDecodeStatus.Ok)
        {
            return Pop3Reply.Error("Malformed SASL PLAIN response", Pop3ResponseCodes.Auth);
        }
        if (credentials!.ActsForAnother)
        {
            return Pop3Reply.Error("Acting as another user is not allowed", Pop3ResponseCodes.Auth);
        }
        return await Pop3Login.LoginAsync(session, credentials.AuthenticationId, credentials.Password, ct);
    }
}

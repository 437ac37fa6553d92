using Serverless.Protocols.Pop3;

namespace Serverless.Listeners.Pop3.Commands;

/// <summary>
/// RFC 1939 APOP needs the server to know each plaintext password (it checks an MD5 of it);
/// passwords are stored only as PBKDF2 hashes, so APOP is refused and not advertised.
/// </summary>
internal sealed class ApopCommand : IPop3Command
{
    public ValueTask<Pop3Reply> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Pop3Reply.Error("APOP is not supported: use USER/PASS or AUTH PLAIN over TLS", Pop3ResponseCodes.Auth));
}

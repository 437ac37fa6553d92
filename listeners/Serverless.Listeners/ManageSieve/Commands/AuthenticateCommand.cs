using Serverless.Mail.Security;
using Serverless.Protocols.Common;
using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>
/// RFC 5804 2.1 AUTHENTICATE "PLAIN" (RFC 4616) with or without an initial response; the client
/// cancels a challenge with "*". Only over TLS or the loopback development setting, and the logins
/// go through the same <see cref="LoginVerifier"/> (and failed-login throttle) as IMAP and POP3.
/// </summary>
internal sealed class AuthenticateCommand : IManageSieveCommand
{
    public async ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count is < 1 or > 2 || command.Arguments.Any(a => !a.IsString))
        {
            throw new ArgumentsException("AUTHENTICATE takes a mechanism and an optional initial response");
        }
        var mechanism = command.Arguments[0].Text!;
        if (!mechanism.Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            return ManageSieveReply.No("Unsupported authentication mechanism");
        }
        if (!session.PasswordsAllowed)
        {
            return ManageSieveReply.No("Plaintext authentication is only allowed over TLS: use STARTTLS first", "ENCRYPT-NEEDED");
        }
        if (command.StringAt(1) is not { } initial)
        {
            return ManageSieveReply.Continue("", (response, ct) => CompleteAsync(session, response, ct));
        }
        return await CompleteAsync(session, initial, cancellationToken);
    }

    private static async ValueTask<ManageSieveReply> CompleteAsync(ManageSieveSession session, string response, CancellationToken ct)
    {
        if (response == "*")
        {
            return ManageSieveReply.No("Authentication cancelled");
        }
        if (SaslDecoder.TryDecodePlain(response, out var credentials) != SaslDecodeStatus.Ok)
        {
            return ManageSieveReply.No("Malformed SASL PLAIN response");
        }
        if (credentials!.ActsForAnother)
        {
            return ManageSieveReply.No("Acting as another user is not allowed", "AUTH-TOO-WEAK");
        }
        var services = session.Services;
        var login = credentials.AuthenticationId;
        var result = await services.Logins.VerifyAsync(login, credentials.Password, session.Transport.LoginThrottleAddress(services.Listener), ct);
        switch (result.Failure)
        {
            case LoginFailure.Throttled:
                services.Logger.LogInformation("ManageSieve login for {Login} from {Ip} refused: throttled", login, session.ClientIp);
                return ManageSieveReply.No("Too many failed logins, try again later", "TRYLATER");
            case LoginFailure.BadCredentials:
                services.Logger.LogInformation("ManageSieve login for {Login} from {Ip} failed", login, session.ClientIp);
                return ++session.AuthFailures >= services.Options.MaxAuthFailures
                    ? ManageSieveReply.Bye("Invalid login or password; too many failures, closing")
                    : ManageSieveReply.No("Invalid login or password");
            case LoginFailure.Disabled:
                return ManageSieveReply.No("This account is disabled");
        }
        session.EnterAuthenticated(result.Mailbox!);
        return ManageSieveReply.Ok("Logged in");
    }
}

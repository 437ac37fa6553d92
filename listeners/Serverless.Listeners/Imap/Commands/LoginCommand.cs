using Serverless.Mail.Security;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 3501 6.2.3 LOGIN: full address and password, over TLS only.</summary>
internal sealed class LoginCommand : IImapCommand
{
    public Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (LoginArguments)command.Arguments;
        return SignIn.CompleteAsync(session, args.User, args.Password, cancellationToken);
    }
}

/// <summary>The end of LOGIN and AUTHENTICATE: check the password (throttled), then enter the authenticated state.</summary>
internal static class SignIn
{
    public static ImapResult? RefuseWithoutTls(ImapSession session) => session.LoginAllowed ? null
        : ImapResult.No("Login is disabled until TLS is active (STARTTLS)", "PRIVACYREQUIRED");

    public static async Task<ImapResult> CompleteAsync(ImapSession session, string user, string password, CancellationToken cancellationToken)
    {
        if (RefuseWithoutTls(session) is { } refused)
        {
            return refused;
        }
        var result = await session.Services.Logins.VerifyAsync(user, password, session.Transport.LoginThrottleAddress(session.Services.Listener), cancellationToken);
        if (result.Succeeded)
        {
            session.State = new ImapSessionState.Authenticated(result.Mailbox!);
            session.Transport.LeavePreLogin();
            return ImapResult.Ok("Logged in", "CAPABILITY " + ImapCapabilities.For(session));
        }
        var failures = ((session.State as ImapSessionState.NotAuthenticated)?.Failures ?? 0) + 1;
        session.State = new ImapSessionState.NotAuthenticated(failures);
        if (failures >= session.Services.Options.MaxLoginFailuresPerConnection)
        {
            session.WriteLine("* BYE Too many failed logins");
            session.CloseAfterCommand();
        }
        return result.Failure switch
        {
            LoginFailure.Disabled => ImapResult.No("This account is disabled", "CONTACTADMIN"),
            LoginFailure.Throttled => ImapResult.No("Too many failed logins, try again later", "AUTHENTICATIONFAILED"),
            _ => ImapResult.No("Invalid credentials", "AUTHENTICATIONFAILED"),
        };
    }
}

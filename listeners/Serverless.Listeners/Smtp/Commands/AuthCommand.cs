using Serverless.Mail.Security;
using Serverless.Protocols.Common;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>
/// AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, on the submission ports only, and only over
/// TLS unless the loopback development setting allows plaintext for a loopback client. Logins go
/// through <see cref="LoginVerifier"/>, which throttles failures per address and per client IP.
/// </summary>
public sealed class AuthCommand : ISmtpCommand
{
    public SmtpReply OutOfSequence(SmtpSession session) => session.State == SmtpState.Connected
        ? SmtpReply.Of(503, "5.5.1", "Send EHLO first")
        : SmtpReply.Of(503, "5.5.1", "AUTH not allowed during a mail transaction");

    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        if (!session.IsSubmission)
        {
            return SmtpReply.Of(502, "5.5.1", "AUTH not available on this port; use submission");
        }
        if (session.User is not null)
        {
            return SmtpReply.Of(503, "5.5.1", "Already authenticated");
        }
        if (!session.AuthAllowed)
        {
            return SmtpReply.Of(538, "5.7.11", "Encryption required for requested authentication mechanism");
        }
        var parsed = SmtpCommandParser.ParseAuth(line.Argument);
        if (!parsed.Ok)
        {
            return parsed.Error;
        }
        var (mechanism, initial) = parsed.Value;
        string user;
        string password;
        session.Log.InSasl = true;
        try
        {
            switch (mechanism)
            {
                case "PLAIN":
                {
                    var response = initial ?? await ChallengeAsync(session, "");
                    if (response is null)
                    {
                        return Cancelled(session);
                    }
                    switch (SaslDecoder.TryDecodePlain(response, out var credentials))
                    {
                        case SaslDecodeStatus.NotBase64 or SaslDecodeStatus.NotUtf8:
                            return SmtpReply.Of(501, "5.5.2", "Cannot decode response");
                        case SaslDecodeStatus.Malformed:
                            return SmtpReply.Of(501, "5.5.2", "Malformed PLAIN response");
                    }
                    if (credentials!.ActsForAnother)
                    {
                        return SmtpReply.Of(535, "5.7.8", "Authentication credentials invalid");
                    }
                    (user, password) = (credentials.AuthenticationId, credentials.Password);
                    break;
                }
                case "LOGIN":
                {
                    var userLine = initial ?? await ChallengeAsync(session, SaslDecoder.LoginUserChallenge);
                    if (userLine is null)
                    {
                        return Cancelled(session);
                    }
                    if (SaslDecoder.TryDecodeLogin(userLine, out user) != SaslDecodeStatus.Ok)
                    {
                        return SmtpReply.Of(501, "5.5.2", "Cannot decode response");
                    }
                    var passwordLine = await ChallengeAsync(session, SaslDecoder.LoginPasswordChallenge);
                    if (passwordLine is null)
                    {
                        return Cancelled(session);
                    }
                    if (SaslDecoder.TryDecodeLogin(passwordLine, out password) != SaslDecodeStatus.Ok)
                    {
                        return SmtpReply.Of(501, "5.5.2", "Cannot decode response");
                    }
                    break;
                }
                default:
                    return SmtpReply.Of(504, "5.5.4", "Unrecognized authentication type");
            }
        }
        finally
        {
            session.Log.InSasl = false;
        }

        LoginResult result;
        try
        {
            result = await session.Services.Logins.VerifyAsync(user, password, session.Transport.LoginThrottleAddress(session.Listener), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return SmtpReply.Of(454, "4.7.0", "Temporary authentication failure");
        }
        switch (result.Failure)
        {
            case LoginFailure.None when result.Mailbox is not null:
                session.User = result.Mailbox;
                session.Transport.LeavePreLogin();
                return SmtpReply.Of(235, "2.7.0", "Authentication successful");
            case LoginFailure.Throttled:
                return SmtpReply.Of(454, "4.7.0", "Too many failed logins, try again later");
            default:
                return SmtpReply.Of(535, "5.7.8", "Authentication credentials invalid");
        }
    }

    /// <summary>Sends a 334 challenge and reads the client's line; null when the client cancels ("*") or leaves.</summary>
    private static async Task<string?> ChallengeAsync(SmtpSession session, string challenge)
    {
        await session.SendNowAsync(new SmtpReply(334, null, [challenge]));
        var line = await session.ReadTextLineAsync();
        session.Log.SaslLine();
        if (line is null)
        {
            session.Closing = true;
            return null;
        }
        return line == "*" ? null : line;
    }

    private static SmtpReply? Cancelled(SmtpSession session) =>
        session.Closing ? null : SmtpReply.Of(501, "5.0.0", "Authentication cancelled");
}

using Serverless.Protocols.Common;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.2.2 AUTHENTICATE with SASL PLAIN (RFC 4616, decoded by <see cref="SaslDecoder"/>),
/// initial response allowed (SASL-IR, RFC 4959).
/// </summary>
internal sealed class AuthenticateCommand : IImapCommand
{
    private const int MaxResponse = 8 * 1024;

    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (AuthenticateArguments)command.Arguments;
        if (args.Mechanism != "PLAIN")
        {
            return ImapResult.No("Unsupported authentication mechanism", "CANNOT");
        }
        if (SignIn.RefuseWithoutTls(session) is { } refused)
        {
            return refused;
        }
        var response = args.InitialResponse;
        if (response is null)
        {
            session.WriteLine("+ ");
            await session.FlushAsync(cancellationToken);
            response = await session.ReadLineAsync(MaxResponse, cancellationToken);
            if (response is null)
            {
                session.CloseAfterCommand();
                return ImapResult.Bad("Connection closed during authentication");
            }
        }
        if (response == "*")
        {
            return ImapResult.Bad("Authentication cancelled");
        }
        switch (SaslDecoder.TryDecodePlain(response, out var credentials))
        {
            case SaslDecodeStatus.NotBase64:
                return ImapResult.Bad("Invalid base64 in authentication response");
            case SaslDecodeStatus.NotUtf8 or SaslDecodeStatus.Malformed:
                return ImapResult.Bad("Invalid PLAIN authentication message");
        }
        if (credentials!.ActsForAnother)
        {
            return ImapResult.No("Acting as another user is not allowed", "AUTHORIZATIONFAILED");
        }
        return await SignIn.CompleteAsync(session, credentials.AuthenticationId, credentials.Password, cancellationToken);
    }
}

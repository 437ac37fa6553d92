using System.Text;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.2.2 AUTHENTICATE with SASL PLAIN (RFC 4616), initial response allowed (SASL-IR, RFC 4959).
/// <code>
/// message   = [authzid] UTF8NUL authcid UTF8NUL passwd
/// </code>
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
        byte[] decoded;
        try
        {
            decoded = response == "=" ? [] : Convert.FromBase64String(response);
        }
        catch (FormatException)
        {
            return ImapResult.Bad("Invalid base64 in authentication response");
        }
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3)
        {
            return ImapResult.Bad("Invalid PLAIN authentication message");
        }
        var (authzid, authcid, password) = (parts[0], parts[1], parts[2]);
        if (authzid.Length > 0 && !string.Equals(authzid, authcid, StringComparison.OrdinalIgnoreCase))
        {
            return ImapResult.No("Acting as another user is not allowed", "AUTHORIZATIONFAILED");
        }
        return await SignIn.CompleteAsync(session, authcid, password, cancellationToken);
    }
}

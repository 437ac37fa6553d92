using System.Globalization;
using Serverless.Mail.Sieve;
using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>
/// RFC 5804 2.4 CAPABILITY (also the greeting, 1.7, and sent again after STARTTLS, 2.2): SASL lists
/// PLAIN only where a password may cross the connection; OWNER once logged in.
/// </summary>
internal sealed class CapabilityCommand : IManageSieveCommand
{
    public ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken) =>
        ValueTask.FromResult(command.Arguments.Count == 0 ? Listing(session, null) : throw new ArgumentsException("CAPABILITY takes no arguments"));

    public static ManageSieveReply Listing(ManageSieveSession session, string? text)
    {
        var lines = new List<ManageSieveDataLine>
        {
            new("IMPLEMENTATION", session.Services.Options.Implementation),
            new("SASL", session.PasswordsAllowed ? "PLAIN" : ""),
            new("SIEVE", string.Join(' ', SieveCapabilities.Extensions)),
            new("MAXREDIRECTS", SieveCapabilities.MaxRedirects.ToString(CultureInfo.InvariantCulture)),
        };
        if (session.StartTlsAvailable)
        {
            lines.Add(new("STARTTLS"));
        }
        if (session.Mailbox is { } mailbox)
        {
            lines.Add(new("OWNER", mailbox.Address));
        }
        lines.Add(new("UNAUTHENTICATE"));
        lines.Add(new("VERSION", "1.0"));
        return ManageSieveReply.Data(lines, text);
    }
}

using System.Globalization;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>EHLO / HELO (RFC 5321 4.1.1.1): names the client, resets any transaction, lists the extensions.</summary>
public sealed class HelloCommand(bool extended) : ISmtpCommand
{
    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        var domain = SmtpCommandParser.ParseHelloDomain(line.Argument, extended ? "EHLO" : "HELO");
        if (!domain.Ok)
        {
            return domain.Error;
        }
        await session.ResetTransactionAsync();
        session.Helo = domain.Value;
        session.Extended = extended;
        session.State = SmtpState.Ready;
        var greeting = $"{session.Listener.HostName} Hello {domain.Value} [{session.ClientAddressText}]";
        if (!extended)
        {
            return new SmtpReply(250, null, [greeting]);
        }
        // Extension keywords carry no enhanced status code: clients parse the lines as keywords.
        var lines = new List<string>
        {
            greeting,
            "PIPELINING",
            "SIZE " + session.Options.MaxMessageSize.ToString(CultureInfo.InvariantCulture),
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "DSN",
        };
        if (session.Transport.Endpoint.Tls == Connections.TlsMode.StartTls && !session.Transport.IsTls)
        {
            lines.Add("STARTTLS");
        }
        if (session.AuthAllowed)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }
        lines.Add("HELP");
        return new SmtpReply(250, null, lines);
    }
}

using Serverless.Listeners.Smtp.Commands;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp;

/// <summary>Which commands each state allows (RFC 5321 4.1.4, RFC 3030 for BDAT, RFC 3207, RFC 4954).</summary>
public static class SmtpCommandTable
{
    private const SmtpState Transaction = SmtpState.HaveSender | SmtpState.HaveRecipients;

    public static readonly IReadOnlyDictionary<SmtpVerb, (SmtpState AllowedIn, ISmtpCommand Command)> Commands =
        new Dictionary<SmtpVerb, (SmtpState, ISmtpCommand)>
        {
            [SmtpVerb.Ehlo] = (SmtpState.Any, new HelloCommand(extended: true)),
            [SmtpVerb.Helo] = (SmtpState.Any, new HelloCommand(extended: false)),
            [SmtpVerb.StartTls] = (SmtpState.Connected | SmtpState.Ready, new StartTlsCommand()),
            [SmtpVerb.Auth] = (SmtpState.Ready, new AuthCommand()),
            [SmtpVerb.Mail] = (SmtpState.Ready, new MailCommand()),
            [SmtpVerb.Rcpt] = (Transaction, new RcptCommand()),
            [SmtpVerb.Data] = (Transaction, new DataCommand()),
            // BDAT is taken in every state because its chunk must be read (and dropped) even when refused.
            [SmtpVerb.Bdat] = (SmtpState.Any, new BdatCommand()),
            [SmtpVerb.Rset] = (SmtpState.Any, new RsetCommand()),
            [SmtpVerb.Noop] = (SmtpState.Any, new NoopCommand()),
            [SmtpVerb.Quit] = (SmtpState.Any, new QuitCommand()),
            [SmtpVerb.Vrfy] = (SmtpState.Any & ~SmtpState.Chunking, new VrfyCommand()),
            [SmtpVerb.Expn] = (SmtpState.Any & ~SmtpState.Chunking, new ExpnCommand()),
            [SmtpVerb.Help] = (SmtpState.Any & ~SmtpState.Chunking, new HelpCommand()),
        };
}

using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>RSET (RFC 5321 4.1.1.5): abandons the transaction.</summary>
public sealed class RsetCommand : ISmtpCommand
{
    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        if (line.Argument.Length > 0)
        {
            return SmtpReply.Of(501, "5.5.4", "Syntax: RSET");
        }
        await session.ResetTransactionAsync();
        return SmtpReply.Of(250, "2.0.0", "OK");
    }
}

/// <summary>NOOP (RFC 5321 4.1.1.9); an argument is allowed and ignored.</summary>
public sealed class NoopCommand : ISmtpCommand
{
    public ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpReply?>(SmtpReply.Of(250, "2.0.0", "OK"));
}

/// <summary>QUIT (RFC 5321 4.1.1.10).</summary>
public sealed class QuitCommand : ISmtpCommand
{
    public ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        session.Closing = true;
        return ValueTask.FromResult<SmtpReply?>(SmtpReply.Of(221, "2.0.0", $"{session.Listener.HostName} Bye"));
    }
}

/// <summary>VRFY (RFC 5321 3.5.3): never reveals whether an address exists.</summary>
public sealed class VrfyCommand : ISmtpCommand
{
    public ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpReply?>(line.Argument.Trim().Length == 0
            ? SmtpReply.Of(501, "5.5.4", "Syntax: VRFY address")
            : SmtpReply.Of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
}

/// <summary>EXPN: mailing lists are not expanded for anyone.</summary>
public sealed class ExpnCommand : ISmtpCommand
{
    public ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpReply?>(SmtpReply.Of(502, "5.5.1", "EXPN not available"));
}

/// <summary>HELP (RFC 5321 4.1.1.8).</summary>
public sealed class HelpCommand : ISmtpCommand
{
    public ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpReply?>(new SmtpReply(214, "2.0.0",
            ["Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH", "See RFC 5321"]));
}

using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp;

/// <summary>One command's behaviour. Replies are returned, never written by the command itself (except intermediate 334/354 and STARTTLS's 220).</summary>
public interface ISmtpCommand
{
    ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken);

    /// <summary>The reply when the command comes in a state the table does not allow.</summary>
    SmtpReply OutOfSequence(SmtpSession session) => SmtpReply.Of(503, "5.5.1", "Bad sequence of commands");
}

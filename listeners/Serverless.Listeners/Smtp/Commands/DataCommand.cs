using Serverless.Mail.Delivery;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>
/// DATA (RFC 5321 4.1.1.4): decodes the message into <see cref="MessageIntake"/> chunk by chunk (bounded
/// memory) and answers for what the intake did with it. A bare CR or LF in the data ends the session (SMTP smuggling).
/// </summary>
public sealed class DataCommand : ISmtpCommand
{
    public SmtpReply OutOfSequence(SmtpSession session) => session.State == SmtpState.Chunking
        ? SmtpReply.Of(503, "5.5.1", "DATA not allowed after BDAT")
        : SmtpReply.Of(503, "5.5.1", "Need MAIL and RCPT before DATA");

    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        var tx = session.Transaction!;
        if (line.Argument.Length > 0)
        {
            return SmtpReply.Of(501, "5.5.4", "Syntax: DATA");
        }
        if (tx.Recipients.Count == 0)
        {
            return SmtpReply.Of(554, "5.5.1", "No valid recipients");
        }
        var message = session.Services.BeginMessage(SmtpEnvelope.For(session, tx));
        try
        {
            await session.SendNowAsync(new SmtpReply(354, null, ["Start mail input; end with <CRLF>.<CRLF>"]));
            var result = await session.ReadDataAsync(message);
            switch (result.Outcome)
            {
                case DataOutcome.ConnectionLost:
                    session.Closing = true;
                    return null;
                case DataOutcome.BareLineEnding:
                    session.Closing = true;
                    return SmtpReply.Of(521, "5.5.2", "Bare CR or LF in message data is not allowed; closing connection");
            }
            if (result.TooBig)
            {
                return SmtpReply.Of(552, "5.3.4", "Message size exceeds fixed maximum message size");
            }
            if (result.LineTooLong)
            {
                return SmtpReply.Of(554, "5.6.0", "Message line too long");
            }
            return await QuotaReplies.AtEndAsync(session, tx, message.Length, cancellationToken)
                ?? IntakeReply.For(await session.Services.AcceptAsync(message));
        }
        finally
        {
            await message.DisposeAsync();
            await session.ResetTransactionAsync();
        }
    }
}

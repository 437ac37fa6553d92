using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Storage;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>
/// MAIL FROM (RFC 5321 4.1.1.2). On the submission ports the user must be logged in and the
/// reverse-path must be the user's own address, an alias of the same tenant that delivers to them, or
/// an address granted to them (send-as).
/// </summary>
public sealed class MailCommand : ISmtpCommand
{
    public SmtpReply OutOfSequence(SmtpSession session) => session.State switch
    {
        SmtpState.Connected => SmtpReply.Of(503, "5.5.1", "Send EHLO/HELO first"),
        _ => SmtpReply.Of(503, "5.5.1", "Nested MAIL command"),
    };

    public async ValueTask<SmtpReply?> ExecuteAsync(SmtpSession session, SmtpCommandLine line, CancellationToken cancellationToken)
    {
        var parsed = SmtpEnvelopeParser.ParseMailFrom(line.Argument);
        if (!parsed.Ok)
        {
            return parsed.Error;
        }
        var mail = parsed.Value!;
        if (session.IsSubmission && session.User is null)
        {
            return SmtpReply.Of(530, "5.7.0", "Authentication required");
        }
        if (mail.Size > session.Options.MaxMessageSize)
        {
            return SmtpReply.Of(552, "5.3.4", "Message size exceeds fixed maximum message size");
        }
        if (!mail.ReversePath.IsAscii && !mail.SmtpUtf8)
        {
            return SmtpReply.Of(553, "5.6.7", "Non-ASCII address needs the SMTPUTF8 parameter");
        }
        if (session.IsSubmission)
        {
            try
            {
                if (!await SenderBelongsToUserAsync(session, mail.ReversePath, cancellationToken))
                {
                    return SmtpReply.Of(553, "5.7.1", $"Sender address {mail.ReversePath} not owned by {session.User!.Address}");
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && StorageFailures.IsTransient(e))
            {
                return SmtpReply.Of(451, "4.3.0", "Temporary failure looking up the sender, try again later");
            }
        }
        session.Transaction = new SmtpTransaction(mail);
        if (!session.IsSubmission)
        {
            session.Transaction.Spf = session.Services.Intake.StartSpfCheck(session.ClientAddress, mail.ReversePath.Address, session.Helo);
            session.Transaction.SpamChecks = session.Services.Intake.StartSpamChecks(session.ClientAddress, mail.ReversePath.Address, session.Helo);
        }
        session.State = SmtpState.HaveSender;
        return SmtpReply.Of(250, "2.1.0", "Sender OK");
    }

    /// <summary>The same rule as the header check at the end of DATA (<see cref="SubmissionSenders"/>); the null sender is never the user's.</summary>
    private static async Task<bool> SenderBelongsToUserAsync(SmtpSession session, SmtpPath from, CancellationToken cancellationToken)
    {
        var user = session.User!;
        if (from.IsNull || !MailAddress.TryParse(from.Address, out var address))
        {
            return false;
        }
        var submitting = new SubmittingUser(user.Address, user.TenantId) { MailboxId = user.MailboxId, SendAs = user.SendAs };
        return await session.Services.Intake.Senders.MayUseAsync(submitting, address, cancellationToken);
    }
}

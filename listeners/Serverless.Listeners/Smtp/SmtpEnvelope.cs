using Serverless.Mail.Delivery;

namespace Serverless.Listeners.Smtp;

/// <summary>What the session established, as the plain envelope <see cref="MessageIntake"/> takes.</summary>
public static class SmtpEnvelope
{
    public static MessageEnvelope For(SmtpSession session, SmtpTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        var mail = transaction.MailFrom;
        return new MessageEnvelope
        {
            ReceivedBy = session.Listener.HostName,
            ClientAddress = session.ClientAddress,
            Helo = session.Helo,
            Extended = session.Extended,
            Tls = session.Transport.IsTls ? new ClientTls(session.Transport.TlsProtocol, session.Transport.TlsCipher) : null,
            User = session.User is { } user ? new SubmittingUser(user.Address, user.TenantId) { MailboxId = user.MailboxId, SendAs = user.SendAs } : null,
            Submission = session.IsSubmission,
            Sender = new Mail.Queues.EnvelopeSender(mail.ReversePath.Address, mail.EnvelopeId, mail.Ret, mail.Body, mail.SmtpUtf8),
            Recipients = transaction.Recipients.Select(r => new EnvelopeRecipient(r.Address, r.Command.Notify, r.Command.OriginalRecipient, r.Local)).ToList(),
            Spf = transaction.Spf,
            SpamChecks = transaction.SpamChecks,
        };
    }
}

using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Serverless.Mail.Outbound;

/// <summary>
/// MailKit's SMTP client with the hooks a relay needs: a refused recipient is recorded, not thrown,
/// so one transaction serves all recipients of a domain and each keeps its own result; the
/// message is never re-encoded (it is DKIM-signed, and the relay checked 8BITMIME/SMTPUTF8
/// itself); DSN parameters (RFC 3461) come from the envelope. MailKit pipelines MAIL/RCPT when the
/// server offers PIPELINING and does STARTTLS, AUTH and SMTPUTF8.
/// </summary>
internal sealed class OutboundSmtpClient : SmtpClient
{
    private readonly Dictionary<string, (int Code, string Text)> _refused = new(StringComparer.OrdinalIgnoreCase);

    public Func<string, DeliveryStatusNotification?> Notify { get; set; } = _ => null;

    public string? EnvelopeId { get; set; }

    /// <summary>Recipients refused at RCPT in the last transaction, with the reply.</summary>
    public IReadOnlyDictionary<string, (int Code, string Text)> Refused => _refused;

    public void BeginTransaction() => _refused.Clear();

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _refused[mailbox.Address] = ((int)response.StatusCode, response.Response);

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();

    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
        // Deliberately nothing: the signed bytes go out as they are.
    }

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) => Notify(mailbox.Address);

    protected override string? GetEnvelopeId(MimeMessage message) => EnvelopeId;
}

/// <summary>Every RCPT of a transaction was refused; their replies are in <see cref="OutboundSmtpClient.Refused"/>.</summary>
internal sealed class NoRecipientsAcceptedException : Exception
{
    public NoRecipientsAcceptedException()
        : base("No recipients were accepted.")
    {
    }

    public NoRecipientsAcceptedException(string message)
        : base(message)
    {
    }

    public NoRecipientsAcceptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

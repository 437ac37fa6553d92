using Microsoft.Extensions.Logging;
using Serverless.Listeners.Caching;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Delivery;
using Serverless.Mail.Security;
using Serverless.Mail.Usage;

namespace Serverless.Listeners.Smtp;

/// <summary>What every SMTP session uses; one instance per process.</summary>
public sealed class SmtpServices(
    SmtpOptions options,
    ListenerOptions listener,
    RecipientLookup recipients,
    LoginVerifier logins,
    MessageIntake intake,
    TenantQuotaGate quotas,
    ILogger<SmtpSession> logger,
    IServiceProvider services)
{
    private readonly MessageCache _cache = services.GetRequiredService<MessageCache>();

    /// <summary>
    /// Received messages up to this size are kept in the process's message cache as stored (see
    /// <see cref="CacheOptions.KeepReceived"/>); 0 where this process serves no mailbox (the MX
    /// alone: its IMAP and POP3 ports 0), so it neither allocates nor keeps anything for it.
    /// </summary>
    private readonly int _keepReceivedUpTo = services.GetRequiredService<CacheOptions>().KeepReceived
        && (listener.Ports.Imap > 0 || listener.Ports.Imaps > 0 || listener.Ports.Pop3 > 0 || listener.Ports.Pop3s > 0)
        ? services.GetRequiredService<MessageCache>().MaxMessageBytes
        : 0;

    public SmtpOptions Options { get; } = options;

    public ListenerOptions Listener { get; } = listener;

    public RecipientLookup Recipients { get; } = recipients;

    public LoginVerifier Logins { get; } = logins;

    public MessageIntake Intake { get; } = intake;

    /// <summary>Tenant quotas, checked at RCPT and at the end of the message.</summary>
    public TenantQuotaGate Quotas { get; } = quotas;

    public ILogger Logger { get; } = logger;

    /// <summary>A new message for <paramref name="envelope"/> (<see cref="MessageIntake.Begin"/>), asking for its stored bytes where they will be served from here.</summary>
    public IncomingMessage BeginMessage(MessageEnvelope envelope)
    {
        var message = Intake.Begin(envelope);
        message.KeepStoredBytesUpTo = _keepReceivedUpTo;
        return message;
    }

    /// <summary>
    /// <see cref="MessageIntake.AcceptAsync"/>, then the bytes it stored into the message cache under
    /// the blob's name (the same array, not a copy): the first IMAP FETCH or POP3 RETR of a message
    /// delivered through this process reads no blob, as a Dovecot behind Postfix reads it from the
    /// page cache the delivery just wrote.
    /// </summary>
    public async Task<IntakeResult> AcceptAsync(IncomingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var result = await Intake.AcceptAsync(message);
        if (result.StoredBytes is { } stored)
        {
            _cache.KeepReceived(message.BlobName, stored);
        }
        return result;
    }
}

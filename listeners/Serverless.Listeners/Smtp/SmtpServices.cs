using Microsoft.Extensions.Logging;
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
    ILogger<SmtpSession> logger)
{
    public SmtpOptions Options { get; } = options;

    public ListenerOptions Listener { get; } = listener;

    public RecipientLookup Recipients { get; } = recipients;

    public LoginVerifier Logins { get; } = logins;

    public MessageIntake Intake { get; } = intake;

    /// <summary>Tenant quotas, checked at RCPT and at the end of the message.</summary>
    public TenantQuotaGate Quotas { get; } = quotas;

    public ILogger Logger { get; } = logger;
}

using Serverless.Mail.Accounts;
using Serverless.Mail.Usage;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp.Commands;

/// <summary>
/// Tenant quotas in SMTP terms (<see cref="TenantQuotaGate"/>; its figure is cached per process, so
/// these cost no storage request per message). Over a limit for now: <c>452 4.2.2</c> — temporary,
/// so the sender retries and the mail arrives once the tenant has room (RFC 5321 4.5.3.1.10 lets 452
/// stand for "too much mail" at RCPT). A message larger than the tenant's whole byte quota can never
/// fit: <c>552 5.2.2</c>.
/// </summary>
public static class QuotaReplies
{
    /// <summary>RCPT: the recipient's tenant (when mail would be stored here) and, on submission, the sender's tenant's messages a day.</summary>
    public static async Task<SmtpReply?> AtRecipientAsync(SmtpSession session, ResolvedRecipient? local, long declaredSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var gate = session.Services.Quotas;
        if (local is { TenantId: { } tenant, Mailboxes.Count: > 0 })
        {
            switch (await gate.CheckDeliveryAsync(tenant, declaredSize, cancellationToken))
            {
                case QuotaVerdict.NeverFits:
                    return SmtpReply.Of(552, "5.2.2", "Message larger than the recipient's storage quota");
                case QuotaVerdict.Full:
                    return SmtpReply.Of(452, "4.2.2", "Recipient's quota reached, try again later");
            }
        }
        if (session.IsSubmission && session.User is { } user && await gate.CheckSendingAsync(user.TenantId, cancellationToken) != QuotaVerdict.Within)
        {
            return SmtpReply.Of(452, "4.2.2", "Your organisation's daily message quota is reached, try again later");
        }
        return null;
    }

    /// <summary>
    /// End of DATA/BDAT, with the real size: refused only when every recipient is local and none of
    /// their tenants can take it (one reply answers for all recipients, so a message some tenant can
    /// take is accepted; the others' mailbox quotas then bounce it in the ingest).
    /// </summary>
    public static async Task<SmtpReply?> AtEndAsync(SmtpSession session, SmtpTransaction tx, long size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.Recipients.Count == 0 || tx.Recipients.Any(r => r.Local is not { TenantId: not null, Mailboxes.Count: > 0 }))
        {
            return null;
        }
        var verdicts = new List<QuotaVerdict>();
        foreach (var tenant in tx.Recipients.Select(r => r.Local!.TenantId!).Distinct(StringComparer.Ordinal))
        {
            verdicts.Add(await session.Services.Quotas.CheckDeliveryAsync(tenant, size, cancellationToken));
        }
        return verdicts.All(v => v == QuotaVerdict.NeverFits) ? SmtpReply.Of(552, "5.2.2", "Message larger than the recipients' storage quota")
            : verdicts.All(v => v != QuotaVerdict.Within) ? SmtpReply.Of(452, "4.2.2", "Recipients' quota reached, try again later")
            : null;
    }
}

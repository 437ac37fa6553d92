using System.Net;
using System.Security.Authentication;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Queues;

namespace Serverless.Mail.Delivery;

/// <summary>
/// What the SMTP conversation established about one message before its body: who connected and how,
/// who sends it and to whom. <see cref="MessageIntake"/> takes it as it is; nothing in it is SMTP wire syntax.
/// </summary>
public sealed record MessageEnvelope
{
    /// <summary>Our host name, for the Received field's by-clause.</summary>
    public required string ReceivedBy { get; init; }

    /// <summary>The client's address (after the PROXY protocol, when trusted; IPv4-mapped addresses as IPv4).</summary>
    public IPAddress? ClientAddress { get; init; }

    /// <summary>The HELO/EHLO name, for Received and SPF.</summary>
    public string? Helo { get; init; }

    /// <summary>True after EHLO (the Received protocol is then ESMTP).</summary>
    public bool Extended { get; init; }

    /// <summary>What TLS the connection negotiated; null for plain text.</summary>
    public ClientTls? Tls { get; init; }

    /// <summary>The logged-in user (submission), or null for mail from the internet.</summary>
    public SubmittingUser? User { get; init; }

    /// <summary>True on the submission ports: no Return-Path, no sender checks, remote recipients allowed.</summary>
    public bool Submission { get; init; }

    public required EnvelopeSender Sender { get; init; }

    /// <summary>The accepted recipients, in RCPT order, each with its resolution.</summary>
    public required IReadOnlyList<EnvelopeRecipient> Recipients { get; init; }

    /// <summary>The SPF check started at MAIL FROM (MX only, <see cref="MessageIntake.StartSpfCheck"/>), so DNS runs while the client sends.</summary>
    public Task<SpfResult>? Spf { get; init; }

    /// <summary>The spam score's connection signals started at MAIL FROM (MX only, <see cref="MessageIntake.StartSpamChecks"/>).</summary>
    public Task<IReadOnlyList<Spam.SpamTest>>? SpamChecks { get; init; }
}

/// <summary>The negotiated TLS of a connection, named in the Received field.</summary>
public sealed record ClientTls(SslProtocols? Protocol, string? Cipher);

/// <summary>The account a submission was authenticated as.</summary>
public sealed record SubmittingUser(string Address, string TenantId)
{
    /// <summary>The user's mailbox (an alias may send as the user only when it delivers to this mailbox).</summary>
    public string MailboxId { get; init; } = "";

    /// <summary>Addresses granted to the mailbox through the API (send-as), as read with the login.</summary>
    public IReadOnlyList<string> SendAs { get; init; } = [];
}

/// <summary>One accepted recipient: the address as it goes on, its DSN parameters, and its local resolution.</summary>
public sealed record EnvelopeRecipient(string Address, string? Notify, string? OriginalRecipient, ResolvedRecipient? Local)
{
    /// <summary>True for a recipient in a hosted domain; false for a remote one (submission only).</summary>
    public bool IsLocal => Local is not null;
}

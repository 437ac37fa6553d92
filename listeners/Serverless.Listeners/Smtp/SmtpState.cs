using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Protocols.Smtp;

namespace Serverless.Listeners.Smtp;

/// <summary>Where a session is; the command table says which commands each state allows.</summary>
[Flags]
public enum SmtpState
{
    /// <summary>Greeted by the server, no HELO/EHLO yet (also right after STARTTLS).</summary>
    Connected = 1,

    /// <summary>HELO/EHLO done, no transaction.</summary>
    Ready = 2,

    /// <summary>MAIL accepted, no recipient yet.</summary>
    HaveSender = 4,

    /// <summary>At least one RCPT accepted.</summary>
    HaveRecipients = 8,

    /// <summary>Between BDAT chunks (RFC 3030: only BDAT, RSET, QUIT, NOOP, EHLO may follow).</summary>
    Chunking = 16,

    Any = Connected | Ready | HaveSender | HaveRecipients | Chunking,
}

/// <summary>One accepted RCPT and where its mail goes.</summary>
public sealed record AcceptedRecipient(RcptToCommand Command, string Address, ResolvedRecipient? Local)
{
    /// <summary>True for a recipient in a hosted domain; false for a remote one (submission only).</summary>
    public bool IsLocal => Local is not null;
}

/// <summary>The mail transaction in progress (MAIL .. end of data).</summary>
public sealed class SmtpTransaction(MailFromCommand mailFrom)
{
    public MailFromCommand MailFrom { get; } = mailFrom;

    public List<AcceptedRecipient> Recipients { get; } = [];

    /// <summary>The message being received by BDAT, kept across chunks.</summary>
    public IncomingMessage? Chunked { get; set; }

    /// <summary>A BDAT chunk failed (too big): later chunks are read and refused until the LAST one.</summary>
    public bool ChunkingFailed { get; set; }

    /// <summary>DATA's bare CR/LF rule, applied across the BDAT chunks of this message.</summary>
    public BareLineEndingCheck ChunkLineEndings { get; } = new();

    /// <summary>The SPF check started at MAIL FROM (MX only); it runs while the client sends RCPT and DATA.</summary>
    public Task<SpfResult>? Spf { get; set; }

    /// <summary>The spam score's connection signals started at MAIL FROM (MX only): DNS blocklists, reverse DNS, HELO.</summary>
    public Task<IReadOnlyList<Mail.Spam.SpamTest>>? SpamChecks { get; set; }
}

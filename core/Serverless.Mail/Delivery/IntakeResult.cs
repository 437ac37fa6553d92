namespace Serverless.Mail.Delivery;

/// <summary>How <see cref="MessageIntake.AcceptAsync"/> ended; the protocol turns it into its reply.</summary>
public enum IntakeOutcome
{
    /// <summary>Stored and queued: the message is ours now (SMTP 250).</summary>
    Accepted,

    /// <summary>Storage or a queue failed and what was written was taken back: the client should retry (SMTP 451 4.3.0).</summary>
    TemporaryFailure,

    /// <summary>The sender's sending limits refuse it for now; nothing was kept (SMTP 450 4.7.1).</summary>
    RateLimited,

    /// <summary>
    /// Submission: the header names a sender the user may not send as, or no author at all; nothing
    /// was kept (SMTP 550 with <see cref="IntakeResult.Refusal"/>'s status, 5.7.1 or 5.6.0).
    /// </summary>
    SenderRefused,

    /// <summary>MX: the spam score (or a block list) of every recipient's tenant refuses it; nothing was kept (SMTP 550 5.7.1).</summary>
    SpamRefused,
}

/// <summary>The result of one acceptance: the outcome and, once accepted, the message's id ("queued as").</summary>
public sealed record IntakeResult(IntakeOutcome Outcome, string Id)
{
    /// <summary>Why a <see cref="IntakeOutcome.SenderRefused"/> message was refused.</summary>
    public SenderRefusal? Refusal { get; init; }

    /// <summary>
    /// The exact bytes of the accepted message's blob, when <see cref="IncomingMessage.KeepStoredBytesUpTo"/>
    /// asked for them and they are final: stored from memory by one Put Blob, which the ingest never
    /// rewrites (it prepends its Authentication-Results only to a streamed message's block list).
    /// The array is the one the Put Blob sent, handed over, not copied; null otherwise.
    /// </summary>
    public byte[]? StoredBytes { get; init; }

    public bool Accepted => Outcome == IntakeOutcome.Accepted;
}

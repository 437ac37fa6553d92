namespace Serverless.Mail.Outbound;

/// <summary>The relay's record of one queued message (the <c>outbound</c> table's message row).</summary>
public sealed record OutboundMessageRecord
{
    public required string Id { get; init; }

    public required string TenantKey { get; init; }

    public required string BlobName { get; init; }

    public string? BlobHolder { get; init; }

    public long Size { get; init; }

    public required string MailFrom { get; init; }

    public string? AuthenticatedAs { get; init; }

    public DateTimeOffset SubmittedAt { get; init; }

    public string? EnvelopeId { get; init; }

    public string? Ret { get; init; }

    public string? Body { get; init; }

    public bool SmtpUtf8 { get; init; }

    /// <summary>The generation of the queue message that may work on it; older copies are stale duplicates.</summary>
    public int Attempt { get; init; }

    public DateTimeOffset? LeaseUntil { get; init; }

    public DateTimeOffset? LastAttemptAt { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }

    public bool Done { get; init; }

    public bool DelayWarned { get; init; }

    /// <summary>Its recipients were counted against the sending rate limits.</summary>
    public bool Charged { get; init; }

    /// <summary>An operator put it on hold: a queue copy that comes up is dropped until it is released (<see cref="OutboundControl"/>).</summary>
    public bool Held { get; init; }

    /// <summary>An operator cancelled it: the next copy fails the pending recipients and reports them.</summary>
    public bool Cancelled { get; init; }

    /// <summary>The producer's <see cref="Queues.OutboundRelayMessage.ForwardedBy"/>, kept so a control request can queue the message again.</summary>
    public string? ForwardedBy { get; init; }

    /// <summary>The producer's <see cref="Queues.OutboundRelayMessage.Sign"/> (null in rows made before it was kept).</summary>
    public bool? Sign { get; init; }

    /// <summary>The producer's <see cref="Queues.OutboundRelayMessage.Rated"/>.</summary>
    public bool Rated { get; init; }

    public IReadOnlyList<OutboundRecipientRecord> Recipients { get; init; } = [];

    public Azure.ETag ETag { get; init; }
}

/// <summary>One recipient row: where it stands, and the last answer that put it there.</summary>
public sealed record OutboundRecipientRecord
{
    public required int Index { get; init; }

    public required string Address { get; init; }

    public string? Notify { get; init; }

    public string? OriginalRecipient { get; init; }

    public RecipientState State { get; init; }

    public string? Status { get; init; }

    public string? Diagnostic { get; init; }

    public string? RemoteMta { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The DSN for its final state has been issued.</summary>
    public bool Reported { get; init; }

    /// <summary>RFC 3461: with no NOTIFY, failures and delays are reported.</summary>
    public bool WantsNotice(string kind) => Notify is null
        ? kind is "FAILURE" or "DELAY"
        : Notify.Split(',', StringSplitOptions.TrimEntries).Contains(kind, StringComparer.OrdinalIgnoreCase);
}

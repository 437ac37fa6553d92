using System.Text.Json.Serialization;

namespace Serverless.Mail.Queues;

/// <summary>
/// A message for remote recipients on the <c>outbound</c> queue. The relay function delivers
/// it by MX (or smart host) and keeps per-recipient state so a retry never re-sends to a
/// recipient that already accepted. Version 1.
/// </summary>
public sealed record OutboundRelayMessage
{
    public const int CurrentVersion = 1;

    /// <summary>
    /// The one place a message relayed on for its sender is put together: a submission's remote
    /// recipients (<see cref="Delivery.MessageIntake"/>) and an alias's external targets
    /// (<see cref="Delivery.InboundIngest"/>). The envelope's DSN and encoding parameters go on as given.
    /// </summary>
    public static OutboundRelayMessage Create(string id, string blobName, long size, EnvelopeSender sender, IReadOnlyList<HandoffRecipient> recipients,
        DateTimeOffset submittedAt, string? tenantId, string? holder, string? authenticatedAs = null, bool rated = false, string? forwardedBy = null, bool sign = false)
    {
        ArgumentNullException.ThrowIfNull(sender);
        return new OutboundRelayMessage
        {
            Id = id,
            BlobName = blobName,
            Size = size,
            MailFrom = sender.Address,
            Recipients = recipients,
            TenantId = tenantId,
            AuthenticatedAs = authenticatedAs,
            SubmittedAt = submittedAt,
            EnvelopeId = sender.EnvelopeId,
            Ret = sender.Ret,
            Body = sender.Body,
            SmtpUtf8 = sender.SmtpUtf8,
            Holder = holder,
            Rated = rated,
            ForwardedBy = forwardedBy,
            Sign = sign,
        };
    }

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("blob")]
    public required string BlobName { get; init; }

    [JsonPropertyName("size")]
    public long Size { get; init; }

    [JsonPropertyName("from")]
    public required string MailFrom { get; init; }

    [JsonPropertyName("rcpt")]
    public required IReadOnlyList<HandoffRecipient> Recipients { get; init; }

    /// <summary>The tenant whose user sent it (rate limits, DKIM key, the outbound listing).</summary>
    [JsonPropertyName("tenant")]
    public string? TenantId { get; init; }

    [JsonPropertyName("auth")]
    public string? AuthenticatedAs { get; init; }

    [JsonPropertyName("submittedAt")]
    public DateTimeOffset SubmittedAt { get; init; }

    [JsonPropertyName("envid")]
    public string? EnvelopeId { get; init; }

    [JsonPropertyName("ret")]
    public string? Ret { get; init; }

    [JsonPropertyName("body")]
    public string? Body { get; init; }

    [JsonPropertyName("smtputf8")]
    public bool SmtpUtf8 { get; init; }

    /// <summary>
    /// Set when the blob is shared (e.g. with local copies of the same submission): the holder id
    /// the producer registered in <c>blobholders</c>; the relay releases that holder when it is
    /// done. Null: the relay is the blob's only user and deletes it when done.
    /// </summary>
    [JsonPropertyName("holder")]
    public string? Holder { get; init; }

    /// <summary>
    /// The relay's retry generation: 0 from the producer; each retry re-enqueues the message with
    /// the next number, and a copy older than the relay's state is dropped as a duplicate.
    /// </summary>
    [JsonPropertyName("attempt")]
    public int Attempt { get; init; }

    /// <summary>True when the producer already counted the recipients against the sending rate limits.</summary>
    [JsonPropertyName("rated")]
    public bool Rated { get; init; }

    /// <summary>
    /// Set for mail an alias forwards to the internet: the forwarding domain (the alias's). Such a
    /// message is ARC-sealed with that domain's key instead of DKIM-signed with the tenant's, and
    /// counts against the forwarding limit, not the tenant's sending budget.
    /// </summary>
    [JsonPropertyName("fwdby")]
    public string? ForwardedBy { get; init; }
    /// True for a submission whose From:/Sender: passed the send-as check: only such a message is
    /// DKIM-signed with the tenant's key. A forwarded copy (<c>{id}.fwd</c>) is false: the tenant
    /// does not vouch for mail it merely passes on. Absent in messages queued before the field
    /// existed: those are signed as before when a user submitted them (<see cref="ShouldSign"/>).
    /// </summary>
    [JsonPropertyName("sign")]
    public bool? Sign { get; init; }

    /// <summary>Whether the relay signs it with the tenant's DKIM key.</summary>
    [JsonIgnore]
    public bool ShouldSign => Sign ?? AuthenticatedAs is not null;
}

using System.Text.Json.Serialization;

namespace Serverless.Mail.Model;

/// <summary>
/// What IMAP needs of a message without opening its blob: the envelope and the MIME tree with
/// the byte offsets of every part, so FETCH ENVELOPE / BODYSTRUCTURE / BODY[section] are answered
/// from the index (and section bytes by a ranged blob read). Stored as compact JSON in the message row.
/// </summary>
public sealed record MessageSummary
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Octets of the top-level header, including the blank line that ends it.</summary>
    [JsonPropertyName("hl")]
    public long HeaderLength { get; init; }

    /// <summary>
    /// The top-level header exactly as stored, including the blank line that ends it, one char per
    /// byte (ISO-8859-1 mapping, so it round-trips byte for byte); null when it is longer than
    /// <see cref="MaxRawHeader"/>. Lets IMAP answer header fetches and header searches from the index.
    /// </summary>
    [JsonPropertyName("hdr")]
    public string? RawHeader { get; init; }

    /// <summary>Headers up to this size are kept in <see cref="RawHeader"/>.</summary>
    public const int MaxRawHeader = 32 * 1024;

    [JsonPropertyName("env")]
    public required EnvelopeSummary Envelope { get; init; }

    [JsonPropertyName("body")]
    public required MimePartSummary Body { get; init; }
}

/// <summary>RFC 3501 ENVELOPE fields, as the header values appear (unfolded, not decoded) except addresses.</summary>
public sealed record EnvelopeSummary
{
    [JsonPropertyName("date")]
    public string? Date { get; init; }

    [JsonPropertyName("subj")]
    public string? Subject { get; init; }

    [JsonPropertyName("from")]
    public IReadOnlyList<AddressSummary>? From { get; init; }

    [JsonPropertyName("sender")]
    public IReadOnlyList<AddressSummary>? Sender { get; init; }

    [JsonPropertyName("replyTo")]
    public IReadOnlyList<AddressSummary>? ReplyTo { get; init; }

    [JsonPropertyName("to")]
    public IReadOnlyList<AddressSummary>? To { get; init; }

    [JsonPropertyName("cc")]
    public IReadOnlyList<AddressSummary>? Cc { get; init; }

    [JsonPropertyName("bcc")]
    public IReadOnlyList<AddressSummary>? Bcc { get; init; }

    [JsonPropertyName("irt")]
    public string? InReplyTo { get; init; }

    [JsonPropertyName("mid")]
    public string? MessageId { get; init; }
}

/// <summary>
/// One ENVELOPE address. A group is written as RFC 3501 does: a start marker with
/// <see cref="Host"/> null and <see cref="Mailbox"/> the group name, the members, then an
/// end marker with both null. <see cref="Route"/> is the obsolete source route ("@a,@b", RFC 5322
/// obs-route) that ENVELOPE still reports (RFC 3501 7.4.2); absent for nearly every address.
/// </summary>
public sealed record AddressSummary(
    [property: JsonPropertyName("n")] string? Name,
    [property: JsonPropertyName("m")] string? Mailbox,
    [property: JsonPropertyName("h")] string? Host,
    [property: JsonPropertyName("r"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Route = null);

/// <summary>One MIME entity with its offsets in the raw message (all offsets are from byte 0 of the blob).</summary>
public sealed record MimePartSummary
{
    [JsonPropertyName("t")]
    public required string Type { get; init; }

    [JsonPropertyName("st")]
    public required string Subtype { get; init; }

    [JsonPropertyName("p")]
    public IReadOnlyList<KeyValuePair<string, string>>? Parameters { get; init; }

    [JsonPropertyName("id")]
    public string? ContentId { get; init; }

    [JsonPropertyName("desc")]
    public string? Description { get; init; }

    /// <summary>Content-Transfer-Encoding as written (default 7BIT).</summary>
    [JsonPropertyName("enc")]
    public string? Encoding { get; init; }

    [JsonPropertyName("md5")]
    public string? Md5 { get; init; }

    [JsonPropertyName("disp")]
    public string? Disposition { get; init; }

    [JsonPropertyName("dp")]
    public IReadOnlyList<KeyValuePair<string, string>>? DispositionParameters { get; init; }

    [JsonPropertyName("lang")]
    public IReadOnlyList<string>? Language { get; init; }

    [JsonPropertyName("loc")]
    public string? Location { get; init; }

    /// <summary>Where this part's header starts.</summary>
    [JsonPropertyName("ho")]
    public long HeaderOffset { get; init; }

    /// <summary>Where this part's body starts (just after the blank line ending its header).</summary>
    [JsonPropertyName("bo")]
    public long BodyOffset { get; init; }

    /// <summary>Where this part's body ends (exclusive).</summary>
    [JsonPropertyName("eo")]
    public long EndOffset { get; init; }

    [JsonPropertyName("lines")]
    public long Lines { get; init; }

    /// <summary>Children of a multipart, in order.</summary>
    [JsonPropertyName("parts")]
    public IReadOnlyList<MimePartSummary>? Parts { get; init; }

    /// <summary>For message/rfc822 (and message/global): the encapsulated message's envelope and body.</summary>
    [JsonPropertyName("menv")]
    public EnvelopeSummary? MessageEnvelope { get; init; }

    [JsonPropertyName("mbody")]
    public MimePartSummary? MessageBody { get; init; }

    [JsonIgnore]
    public long BodySize => EndOffset - BodyOffset;

    [JsonIgnore]
    public bool IsMultipart => string.Equals(Type, "multipart", StringComparison.OrdinalIgnoreCase);
}

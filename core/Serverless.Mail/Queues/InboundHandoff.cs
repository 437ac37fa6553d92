using System.Text.Json.Serialization;
using Serverless.Mail.Model;

namespace Serverless.Mail.Queues;

/// <summary>
/// The message the SMTP listener puts on the <c>inbound</c> queue after the spool blob is
/// committed (or, for a small message carried in it, instead of one) and before it answers 250.
/// The ingest function files the message from it. Version 1; version 2 when it carries the
/// message's bytes (<see cref="Content"/>), so a consumer that predates them refuses it (and it is
/// poisoned, to be replayed) rather than look for a blob that was never written. Fields are only
/// ever added; a consumer refuses a version it does not know.
/// </summary>
public sealed record InboundHandoff
{
    public const int CurrentVersion = 1;

    /// <summary>The version of a hand-off that carries the message's bytes (<see cref="Content"/>).</summary>
    public const int ContentVersion = 2;

    /// <summary>
    /// The version of a hand-off that carries the message's bytes compressed (<see cref="CompressedContent"/>):
    /// a consumer that knows only version 2 refuses it (poisoned, replayable after the upgrade) instead
    /// of finding no <c>raw</c> and looking for a blob that was never written.
    /// </summary>
    public const int CompressedContentVersion = 3;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Unique per accepted message; with a recipient's index it is the idempotency key.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>
    /// Name of the message blob in the messages container; with <see cref="Content"/> a name made the
    /// same way under which no blob exists, kept as the message's identity (EMAILID, cache key).
    /// </summary>
    [JsonPropertyName("blob")]
    public required string BlobName { get; init; }

    [JsonPropertyName("size")]
    public long Size { get; init; }

    /// <summary>MAIL FROM reverse-path; empty for the null sender (bounces).</summary>
    [JsonPropertyName("from")]
    public required string MailFrom { get; init; }

    [JsonPropertyName("rcpt")]
    public required IReadOnlyList<HandoffRecipient> Recipients { get; init; }

    [JsonPropertyName("receivedAt")]
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The client's address (after the PROXY protocol, when trusted), for SPF/DMARC.</summary>
    [JsonPropertyName("clientIp")]
    public string? ClientIp { get; init; }

    [JsonPropertyName("helo")]
    public string? Helo { get; init; }

    /// <summary>The authenticated login (submission), or null for mail from the internet.</summary>
    [JsonPropertyName("auth")]
    public string? AuthenticatedAs { get; init; }

    [JsonPropertyName("tls")]
    public bool Tls { get; init; }

    /// <summary>RFC 3461 ENVID, RET (FULL/HDRS), and BODY / SMTPUTF8 as given on MAIL FROM.</summary>
    [JsonPropertyName("envid")]
    public string? EnvelopeId { get; init; }

    [JsonPropertyName("ret")]
    public string? Ret { get; init; }

    [JsonPropertyName("body")]
    public string? Body { get; init; }

    [JsonPropertyName("smtputf8")]
    public bool SmtpUtf8 { get; init; }

    /// <summary>Which listener port took the message: "mx" or "submission".</summary>
    [JsonPropertyName("via")]
    public string Via { get; init; } = "mx";

    /// <summary>
    /// The message's summary (offsets within the blob), when the listener had the message in memory
    /// and the hand-off still fits in a queue message: the ingest then needs no blob read.
    /// </summary>
    [JsonPropertyName("summary")]
    public Model.MessageSummary? Summary { get; init; }

    /// <summary>
    /// Set when the blob is shared with another queue message (a submission to local and remote
    /// recipients): this hand-off's holder id in the blob holders table, released once filed.
    /// </summary>
    [JsonPropertyName("holder")]
    public string? Holder { get; init; }

    /// <summary>The SPF verdict the listener reached at MAIL FROM (RFC 8601 result name), so the ingest need not ask DNS again.</summary>
    [JsonPropertyName("spf")]
    public string? Spf { get; init; }

    /// <summary>True when the listener's checks (DMARC / SPF) say the message belongs in Junk.</summary>
    [JsonPropertyName("junk")]
    public bool Junk { get; init; }

    /// <summary>The listener's DMARC result (RFC 8601 name, e.g. "fail"): failing mail is not forwarded.</summary>
    [JsonPropertyName("dmarc")]
    public string? Dmarc { get; init; }

    /// <summary>The spam score the listener gave the message (X-Spam-Score), when it scored it.</summary>
    [JsonPropertyName("spamScore")]
    public double? SpamScore { get; init; }

    /// <summary>
    /// A message too large for the listener to score whole (it streamed into its blob): the tests that
    /// fired on the connection ("NAME=score"), so the ingest completes the score with the message's own
    /// signals and puts X-Spam-* in front with Authentication-Results. Null: nothing left to score.
    /// </summary>
    [JsonPropertyName("spamTests")]
    public IReadOnlyList<string>? SpamTests { get; init; }

    /// <summary>
    /// The message's exact final bytes (base64 in the JSON), for a small message the MX held whole
    /// in memory (<see cref="MailQueues.InlineHandoffBytes"/>): no blob was written, the ingest keeps
    /// them in each recipient's index row. Goes with <see cref="ContentVersion"/> and a
    /// <see cref="Summary"/> without its raw header (<c>hdr</c>: the first bytes of these, restored
    /// by the ingest). Null: the bytes are in the blob.
    /// </summary>
    [JsonPropertyName("raw")]
    public byte[]? Content { get; init; }

    /// <summary>
    /// The same bytes compressed with Brotli (RFC 7932; base64 in the JSON), in a hand-off of
    /// <see cref="CompressedContentVersion"/> instead of <see cref="Content"/>: fewer bytes through the
    /// queue and more hand-offs in one queue message. <see cref="Size"/> is the length they decompress
    /// to. On the way in (<see cref="MailQueues.ParseInbound"/>) they are decompressed into
    /// <see cref="Content"/> and this is null, so the ingest sees a carried message either way.
    /// </summary>
    [JsonPropertyName("rawbr")]
    public byte[]? CompressedContent { get; init; }
}

public sealed record HandoffRecipient
{
    [JsonPropertyName("addr")]
    public required string Address { get; init; }

    /// <summary>RFC 3461 NOTIFY, e.g. "SUCCESS,FAILURE" or "NEVER".</summary>
    [JsonPropertyName("notify")]
    public string? Notify { get; init; }

    /// <summary>RFC 3461 ORCPT, e.g. "rfc822;user@example.com".</summary>
    [JsonPropertyName("orcpt")]
    public string? OriginalRecipient { get; init; }

    /// <summary>
    /// Local mailboxes the address resolved to when the listener accepted it (aliases fanned out),
    /// so the ingest needs no directory read. Null: resolve again.
    /// </summary>
    [JsonPropertyName("mbx")]
    public IReadOnlyList<HandoffMailbox>? Mailboxes { get; init; }

    /// <summary>External forwarding targets the address resolved to (with <see cref="Mailboxes"/>).</summary>
    [JsonPropertyName("fwd")]
    public IReadOnlyList<string>? Forward { get; init; }

    /// <summary>Tenant of the resolved address (with <see cref="Mailboxes"/>): the ingest's storage requests are metered by it.</summary>
    [JsonPropertyName("tenant")]
    public string? TenantId { get; init; }

    /// <summary>
    /// True when this recipient's tenant files the message into Junk by its spam score or lists
    /// (each tenant decides by its own settings; the message-wide <see cref="InboundHandoff.Junk"/> is DMARC/SPF's).
    /// </summary>
    [JsonPropertyName("junk")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] // absent for clean mail: hand-offs stay as small as before
    public bool Junk { get; init; }
}

/// <summary>A resolved local mailbox in a hand-off: its index partition and quota (0 = unlimited).</summary>
public sealed record HandoffMailbox
{
    [JsonPropertyName("id")]
    public required string MailboxId { get; init; }

    [JsonPropertyName("quota")]
    public long QuotaBytes { get; init; }
}

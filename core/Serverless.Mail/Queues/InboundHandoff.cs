using System.Text.Json.Serialization;

namespace Serverless.Mail.Queues;

/// <summary>
/// The message the SMTP listener puts on the <c>inbound</c> queue after the spool blob is
/// committed and before it answers 250. The ingest function files the message from it.
/// Version 1. Fields are only ever added; a consumer refuses a version it does not know.
/// </summary>
public sealed record InboundHandoff
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Unique per accepted message; with a recipient's index it is the idempotency key.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>Name of the message blob in the messages container.</summary>
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
}

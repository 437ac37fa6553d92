using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Mail.Migration;

/// <summary>The <c>mailbox-import</c> queue message: run the next batch of this import (docs/storage.md).</summary>
public sealed record MailboxImportMessage
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    [JsonPropertyName("tenant")]
    public required string TenantId { get; init; }

    [JsonPropertyName("mailbox")]
    public required string MailboxId { get; init; }

    [JsonPropertyName("address")]
    public required string Address { get; init; }

    [JsonPropertyName("id")]
    public required string ImportId { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MailboxImportMessage Parse(string json)
    {
        var m = JsonSerializer.Deserialize<MailboxImportMessage>(json, Json) ?? throw new FormatException("Empty mailbox-import message.");
        if (m.Version != CurrentVersion)
        {
            throw new FormatException($"mailbox-import message version {m.Version} is not supported.");
        }
        return m;
    }
}

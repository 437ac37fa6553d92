using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Mail.Spam.Learning;

/// <summary>
/// The <c>spam-learning</c> queue message: learn these messages of one folder of a mailbox as
/// spam or ham. Put there by the IMAP listener (a move into or out of Junk, <c>$Junk</c> /
/// <c>$NotJunk</c>) and by the spam-training API; <see cref="SpamLearner"/> consumes it.
/// </summary>
public sealed record SpamLearningRequest
{
    /// <summary>Most UIDs in one queue message (keeps it far below the 64 KiB queue limit); more are split.</summary>
    public const int MaxUids = 1000;

    [JsonPropertyName("tenant")]
    public required string TenantId { get; init; }

    [JsonPropertyName("mailbox")]
    public required string MailboxId { get; init; }

    /// <summary><c>spam</c> or <c>ham</c>.</summary>
    [JsonPropertyName("verdict")]
    public required string Verdict { get; init; }

    [JsonPropertyName("folder")]
    public required int FolderId { get; init; }

    /// <summary>When given, the folder must still have this UIDVALIDITY (the UIDs mean nothing otherwise).</summary>
    [JsonPropertyName("uidValidity")]
    public long? UidValidity { get; init; }

    [JsonPropertyName("uids")]
    public required IReadOnlyList<long> Uids { get; init; }

    /// <summary><c>imap</c> or <c>api</c>, for the logs.</summary>
    [JsonPropertyName("source")]
    public string Source { get; init; } = "imap";

    public bool IsSpam => Verdict == SpamVerdicts.Spam;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SpamLearningRequest Parse(string json)
    {
        var request = JsonSerializer.Deserialize<SpamLearningRequest>(json, Json) ?? throw new FormatException("Empty spam-learning message.");
        if (request.Verdict is not (SpamVerdicts.Spam or SpamVerdicts.Ham))
        {
            throw new FormatException($"Unknown verdict '{request.Verdict}' in a spam-learning message.");
        }
        return request;
    }
}

public static class SpamVerdicts
{
    public const string Spam = "spam";
    public const string Ham = "ham";

    /// <summary>The IMAP keywords mail clients set when the user marks a message (Thunderbird, Apple Mail).</summary>
    public const string JunkKeyword = "$Junk";
    public const string NotJunkKeyword = "$NotJunk";
}

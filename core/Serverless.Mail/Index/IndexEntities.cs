using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Mail.Model;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>Maps index rows to records. Property names are the stored column names.</summary>
internal static class IndexEntities
{
    private const int ChunkChars = 30_000; // a Table string property holds at most 32 K UTF-16 chars
    private const int MaxChunks = 34; // 1 MiB of UTF-16 in 30,000-char chunks: more can never fit a row
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static FolderInfo ToFolder(TableEntity e) => new()
    {
        FolderId = int.Parse(e.RowKey.AsSpan(IndexKeys.FolderPrefix.Length), System.Globalization.CultureInfo.InvariantCulture),
        Name = e.GetString("Name") ?? "",
        SpecialUse = e.GetString("SpecialUse"),
        Subscribed = e.GetBoolean("Subscribed") ?? false,
        UidValidity = e.GetInt64("UidValidity") ?? 0,
        UidNext = e.GetInt64("UidNext") ?? 1,
        HighestModSeq = e.GetInt64("HighestModSeq") ?? 1,
        Messages = e.GetInt64("Messages") ?? 0,
        Unseen = e.GetInt64("Unseen") ?? 0,
        Bytes = e.GetInt64("Bytes") ?? 0,
        RecentFromUid = e.GetInt64("RecentFromUid") ?? 1,
        LogFloor = e.GetInt64("LogFloor") ?? 0,
        ETag = e.ETag,
    };

    public static TableEntity FromFolder(string mailboxId, FolderInfo f) => new(mailboxId, IndexKeys.Folder(f.FolderId))
    {
        ["Name"] = f.Name,
        ["SpecialUse"] = f.SpecialUse,
        ["Subscribed"] = f.Subscribed,
        ["UidValidity"] = f.UidValidity,
        ["UidNext"] = f.UidNext,
        ["HighestModSeq"] = f.HighestModSeq,
        ["Messages"] = f.Messages,
        ["Unseen"] = f.Unseen,
        ["Bytes"] = f.Bytes,
        ["RecentFromUid"] = f.RecentFromUid,
    };

    public static IndexedMessage ToMessage(TableEntity e) => new()
    {
        Uid = IndexKeys.UidFromMessageKey(e.RowKey),
        BlobName = e.GetString("Blob") ?? "",
        SharedBlob = e.GetBoolean("Shared") ?? false,
        HolderId = e.GetString("Holder"),
        Size = e.GetInt64("Size") ?? 0,
        InternalDate = e.GetDateTimeOffset("InternalDate") ?? DateTimeOffset.UnixEpoch,
        SavedDate = e.GetDateTimeOffset("Saved"),
        Flags = SplitFlags(e.GetString("Flags")),
        ModSeq = e.GetInt64("ModSeq") ?? 0,
        Summary = ReadSummary(e),
    };

    public static TableEntity FromMessage(string mailboxId, int folderId, long uid, long modSeq, NewMessage m)
    {
        var e = new TableEntity(mailboxId, IndexKeys.Message(folderId, uid))
        {
            ["Blob"] = m.BlobName,
            ["Shared"] = m.SharedBlob,
            ["Holder"] = m.HolderId,
            ["Size"] = m.Size,
            ["InternalDate"] = m.InternalDate.ToUniversalTime(),
            ["Saved"] = DateTimeOffset.UtcNow, // RFC 8514 save date: the filing moment, on the row written anyway
            ["Flags"] = JoinFlags(m.Flags),
            ["ModSeq"] = modSeq,
        };
        WriteSummary(e, m.Summary);
        return e;
    }

    /// <summary>
    /// Writes the summary only while the row stays within Azure's limits (1 MiB per entity): first
    /// whole, then without the raw header copy (IMAP then reads header sections from the blob),
    /// else not at all — the row says <c>SummaryOmitted</c> and IMAP builds the summary from the
    /// message blob when it needs one, so a client still sees the real envelope and structure.
    /// </summary>
    private static void WriteSummary(TableEntity e, MessageSummary? summary)
    {
        if (summary is null)
        {
            return;
        }
        var rowBytes = TableEntitySize.Of(e);
        MessageSummary[] candidates = summary.RawHeader is null ? [summary] : [summary, summary with { RawHeader = null }];
        foreach (var candidate in candidates)
        {
            var json = JsonSerializer.Serialize(candidate, Json);
            var chunks = (json.Length + ChunkChars - 1) / ChunkChars;
            // Each chunk costs 8 + 2 × name + 2 × chars + 4 bytes (formula in TableEntitySize).
            var bytes = (2L * json.Length) + (chunks * (8 + 4 + (2 * "Summary99".Length)));
            if (chunks <= MaxChunks && rowBytes + bytes <= TableEntitySize.MaxEntityBytes - SummaryHeadroomBytes)
            {
                WriteChunks(e, json, chunks);
                return;
            }
        }
        e["SummaryOmitted"] = true;
    }

    /// <summary>Room left in a row for what may be merged into it later (longer flags from STORE).</summary>
    internal const int SummaryHeadroomBytes = 16 * 1024;

    public static IReadOnlyList<string> SplitFlags(string? flags) =>
        string.IsNullOrEmpty(flags) ? [] : flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static string JoinFlags(IEnumerable<string> flags) =>
        string.Join(' ', flags.Distinct(StringComparer.OrdinalIgnoreCase));

    private static void WriteChunks(TableEntity e, string json, int chunks)
    {
        for (var i = 0; i < chunks; i++)
        {
            e[i == 0 ? "Summary" : "Summary" + i] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }
    }

    private static MessageSummary? ReadSummary(TableEntity e)
    {
        var first = e.GetString("Summary");
        if (first is null)
        {
            return null;
        }
        var sb = new StringBuilder(first);
        for (var i = 1; i < MaxChunks && e.GetString("Summary" + i) is { } more; i++)
        {
            sb.Append(more);
        }
        try
        {
            return JsonSerializer.Deserialize<MessageSummary>(sb.ToString(), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

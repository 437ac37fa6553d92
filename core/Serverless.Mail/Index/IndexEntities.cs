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
        Inline = e.GetBoolean(InlineColumn) ?? false,
        Content = ReadContent(e),
    };

    /// <summary>Marks a row that holds its message's bytes (no blob).</summary>
    public const string InlineColumn = "Inline";

    /// <summary>
    /// The columns of a message row but its bytes and summary: what listings select, so a folder
    /// listing never drags the bodies of row-kept messages along.
    /// </summary>
    public static readonly string[] ListingColumns = ["RowKey", "Blob", "Shared", "Holder", "Size", "InternalDate", "Saved", "Flags", "ModSeq", InlineColumn];

    /// <summary><see cref="ListingColumns"/> with every summary column (FETCH of envelopes and structure): still no bytes.</summary>
    public static readonly string[] SummaryColumns = [.. ListingColumns, "Summary", .. Enumerable.Range(1, MaxChunks - 1).Select(i => "Summary" + i), "SummaryOmitted"];

    /// <summary>The binary columns of a row-kept message's bytes, in order (<c>Raw0</c>…).</summary>
    public static readonly string[] ContentColumns = [.. Enumerable.Range(0, IndexOptions.MaxInlineMessageBytes / IndexOptions.InlineChunkBytes).Select(i => "Raw" + i)];

    /// <summary>A row-kept message's bytes from its <c>Raw0</c>… columns; null when the row was read without them (or has none).</summary>
    public static byte[]? ReadContent(TableEntity e)
    {
        if (e.GetBinary(ContentColumns[0]) is not { } first)
        {
            return null;
        }
        var parts = new List<byte[]> { first };
        for (var i = 1; i < ContentColumns.Length && e.GetBinary(ContentColumns[i]) is { } more; i++)
        {
            parts.Add(more);
        }
        return parts.Count == 1 ? first : [.. parts.SelectMany(p => p)];
    }

    private static void WriteContent(TableEntity e, byte[] content)
    {
        e[InlineColumn] = true;
        // Even an empty message has a Raw0, so "row read with its bytes" and "bytes absent" stay apart.
        for (int i = 0, offset = 0; i == 0 || offset < content.Length; i++, offset += IndexOptions.InlineChunkBytes)
        {
            e[ContentColumns[i]] = content.AsSpan(offset, Math.Min(IndexOptions.InlineChunkBytes, content.Length - offset)).ToArray();
        }
    }

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
        if (m.Content is { } content)
        {
            // Before the summary, which fits itself into what the bytes leave of the row.
            WriteContent(e, content);
        }
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

using System.Globalization;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Feed;

/// <summary>
/// Where the feed lives: one table per UTC day (<c>{prefix}changefeed{yyyyMMdd}</c>), so old entries
/// go with one Delete Table instead of one request per hundred rows; in it PartitionKey = shard
/// (<c>0</c>…), RowKey = <c>{writer's UTC ticks:D19}|{writer id}|{sequence:D10}</c>, so a reader's
/// "everything since t" is one range query of one partition (docs/storage.md).
/// </summary>
internal static class ChangeFeedTables
{
    public const string Mailbox = "M";
    public const string Folder = "F";
    public const string ModSeq = "S";
    public const string UidNext = "U";
    public const string Kind = "K";

    public static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    public static TableClient Table(MailStorage storage, DateOnly day) =>
        storage.Table(StorageNames.ChangeFeedTable + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture));

    /// <summary>A mailbox's shard: FNV-1a of its id, the same in every process (string hashes are not).</summary>
    public static string Shard(string mailboxId, int shards)
    {
        if (shards <= 1)
        {
            return "0";
        }
        var hash = 2166136261u;
        foreach (var c in mailboxId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (hash % (uint)shards).ToString(CultureInfo.InvariantCulture);
    }

    public static string RowKey(DateTimeOffset at, string writer, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{at.UtcTicks:D19}|{writer}|{sequence:D10}");

    /// <summary>The lowest RowKey written at or after <paramref name="at"/>.</summary>
    public static string From(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>When the writer stamped an entry (its clock), from the RowKey.</summary>
    public static DateTimeOffset StampOf(string rowKey) =>
        rowKey.Length >= 19 && long.TryParse(rowKey.AsSpan(0, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : DateTimeOffset.MinValue;

    public static string WriterOf(string rowKey)
    {
        var first = rowKey.IndexOf('|', StringComparison.Ordinal);
        var second = first < 0 ? -1 : rowKey.IndexOf('|', first + 1);
        return second < 0 ? "" : rowKey[(first + 1)..second];
    }
}

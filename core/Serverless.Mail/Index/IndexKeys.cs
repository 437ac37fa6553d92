using System.Globalization;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Index;

/// <summary>
/// RowKeys of the mailbox index. One partition per mailbox (PartitionKey = mailbox id) so that a
/// delivery, a MOVE or an EXPUNGE updates message rows and counters in one entity-group
/// transaction. docs/storage.md documents the scheme.
/// </summary>
internal static class IndexKeys
{
    public const string Box = "box";
    public const string FolderPrefix = "f|";
    public const string NamePrefix = "n|";
    public const string MessagePrefix = "m|";
    public const string ChangePrefix = "c|";
    public const string DedupePrefix = "d|";

    public static string Folder(int folderId) => FolderPrefix + folderId.ToString("D6", CultureInfo.InvariantCulture);

    public static string Name(string folderName) => NamePrefix + KeyEscaping.Escape(folderName);

    /// <summary>
    /// A subscription kept for a name whose folder was deleted (RFC 3501 6.3.6: the server must not
    /// drop it by itself). Inside the folder range so LIST reads both with its one query.
    /// </summary>
    public const string SubscriptionPrefix = FolderPrefix + "s|";

    public static string Subscription(string folderName) => SubscriptionPrefix + KeyEscaping.Escape(folderName);

    public static string Message(int folderId, long uid) =>
        $"{MessagePrefix}{folderId.ToString("D6", CultureInfo.InvariantCulture)}|{uid.ToString("D10", CultureInfo.InvariantCulture)}";

    public static string MessageRangeStart(int folderId) => $"{MessagePrefix}{folderId.ToString("D6", CultureInfo.InvariantCulture)}|";

    public static string Change(int folderId, long modSeq) =>
        $"{ChangePrefix}{folderId.ToString("D6", CultureInfo.InvariantCulture)}|{modSeq.ToString("D19", CultureInfo.InvariantCulture)}";

    public static string ChangeRangeStart(int folderId) => $"{ChangePrefix}{folderId.ToString("D6", CultureInfo.InvariantCulture)}|";

    public static string Dedupe(string key) => DedupePrefix + KeyEscaping.Escape(key);

    public static long UidFromMessageKey(string rowKey) =>
        long.Parse(rowKey.AsSpan(rowKey.LastIndexOf('|') + 1), CultureInfo.InvariantCulture);

    /// <summary>An OData filter for RowKeys in [from, to).</summary>
    public static string Range(string partition, string from, string to) =>
        $"PartitionKey eq '{Quote(partition)}' and RowKey ge '{Quote(from)}' and RowKey lt '{Quote(to)}'";

    public static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);
}

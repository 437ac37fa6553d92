using Azure.Data.Tables;

namespace Serverless.Mail.Storage;

/// <summary>
/// Azure Table storage's size rules, computed before a write because Azurite does not enforce
/// them: an entity is 4 bytes + 2 × (PartitionKey + RowKey chars) + for each property 8 bytes +
/// 2 × name chars + the value (string: 2 × UTF-16 chars + 4; binary: length + 4; DateTime,
/// double and Int64: 8; Guid: 16; Int32: 4; bool: 1). An entity may hold at most 1 MiB, a
/// property 64 KiB, and an entity-group transaction's request body must stay under 4 MiB.
/// </summary>
internal static class TableEntitySize
{
    public const int MaxEntityBytes = 1024 * 1024;
    public const int MaxPropertyBytes = 64 * 1024;
    public const int MaxTransactionBytes = 4 * 1024 * 1024;

    /// <summary>What a transaction's request body may use for entities: the rest is left for the batch's MIME framing.</summary>
    public const int TransactionBudgetBytes = MaxTransactionBytes - (256 * 1024);

    /// <summary>Bytes per operation in a batch request besides the entity's JSON (MIME part and HTTP request headers).</summary>
    private const int OperationFramingBytes = 600;

    private static readonly HashSet<string> SystemProperties = ["PartitionKey", "RowKey", "Timestamp", "odata.etag"];

    /// <summary>The entity's size by Azure's formula.</summary>
    public static long Of(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        long size = 4 + (2L * ((entity.PartitionKey?.Length ?? 0) + (entity.RowKey?.Length ?? 0)));
        foreach (var (name, value) in entity)
        {
            if (!SystemProperties.Contains(name) && value is not null)
            {
                size += OfProperty(name, value);
            }
        }
        return size;
    }

    /// <summary>One property's share of the entity: 8 bytes + 2 × name chars + the value.</summary>
    public static long OfProperty(string name, object value) => 8 + (2L * name.Length) + OfValue(value);

    /// <summary>The value's size (what the 64 KiB property limit applies to).</summary>
    public static long OfValue(object? value) => value switch
    {
        null => 0,
        string s => (2L * s.Length) + 4,
        byte[] b => b.Length + 4L,
        BinaryData d => d.ToMemory().Length + 4L,
        ReadOnlyMemory<byte> m => m.Length + 4L,
        DateTime or DateTimeOffset or double or long or ulong => 8,
        Guid => 16,
        int or uint => 4,
        bool => 1,
        _ => (2L * (value.ToString()?.Length ?? 0)) + 4,
    };

    /// <summary>
    /// The first rule the entity breaks (a property over 64 KiB, or the entity over 1 MiB), or
    /// null when Azure would take it.
    /// </summary>
    public static string? Violation(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        foreach (var (name, value) in entity)
        {
            if (!SystemProperties.Contains(name) && OfValue(value) > MaxPropertyBytes)
            {
                return $"property {name} is {OfValue(value)} bytes (limit {MaxPropertyBytes})";
            }
        }
        var size = Of(entity);
        return size > MaxEntityBytes ? $"entity is {size} bytes (limit {MaxEntityBytes})" : null;
    }

    /// <summary>
    /// An upper bound of what the entity adds to a batch request on the wire: its JSON, where the
    /// SDK escapes quotes and backslashes as two bytes and control, non-ASCII and HTML-sensitive
    /// characters as \uXXXX (six bytes per UTF-16 unit), plus the operation's framing.
    /// </summary>
    public static long OnTheWire(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        long bytes = OperationFramingBytes;
        foreach (var (name, value) in entity)
        {
            if (name is "odata.etag" || value is null)
            {
                continue;
            }
            bytes += JsonChars(name) + 64; // quotes, colon, comma, and an "@odata.type" annotation
            bytes += value switch
            {
                string s => JsonChars(s),
                byte[] b => ((b.Length + 2) / 3 * 4) + 2,
                BinaryData d => ((d.ToMemory().Length + 2) / 3 * 4) + 2,
                _ => 40,
            };
        }
        return bytes;
    }

    private static long JsonChars(string s)
    {
        long n = 2;
        foreach (var c in s)
        {
            n += c switch
            {
                '"' or '\\' => 2,
                < ' ' or > '~' or '<' or '>' or '&' or '\'' or '+' or '`' => 6,
                _ => 1,
            };
        }
        return n;
    }
}

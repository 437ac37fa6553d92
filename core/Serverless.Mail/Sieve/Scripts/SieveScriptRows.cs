using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Sieve.Scripts;

/// <summary>
/// The rows of a mailbox's Sieve scripts, in the mailbox's own index partition (docs/storage.md):
/// <c>sieve</c> (which script is active, a copy of its text, the managed vacation) and one
/// <c>sieve|{name}</c> per script. Texts are UTF-8 in up to two 32 KiB binary properties.
/// </summary>
internal static class SieveScriptRows
{
    public const string StateRow = "sieve";
    public const string ScriptPrefix = "sieve|";
    private const int ChunkBytes = 32 * 1024;

    public static string ScriptRow(string name) => ScriptPrefix + KeyEscaping.Escape(name);

    /// <summary>RowKeys of every script row: [sieve|, sieve}).</summary>
    public static string ScriptRange(string mailboxId) =>
        $"PartitionKey eq '{Quote(mailboxId)}' and RowKey ge '{ScriptPrefix}' and RowKey lt 'sieve}}'";

    public static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);

    public static void WriteText(TableEntity entity, string prefix, string? text)
    {
        entity.Remove(prefix + "0");
        entity.Remove(prefix + "1");
        if (text is null)
        {
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        for (int i = 0, n = 0; i < bytes.Length; i += ChunkBytes, n++)
        {
            entity[prefix + n] = bytes.AsSpan(i, Math.Min(ChunkBytes, bytes.Length - i)).ToArray();
        }
        if (bytes.Length == 0)
        {
            entity[prefix + "0"] = Array.Empty<byte>();
        }
    }

    public static string? ReadText(TableEntity entity, string prefix)
    {
        var first = entity.GetBinary(prefix + "0");
        if (first is null)
        {
            return null;
        }
        var second = entity.GetBinary(prefix + "1");
        return second is null ? Encoding.UTF8.GetString(first) : Encoding.UTF8.GetString([.. first, .. second]);
    }

    public static VacationSettings? ReadVacation(TableEntity state) =>
        state.GetString("Vacation") is { } json ? JsonSerializer.Deserialize<VacationSettings>(json, JsonOptions) : null;

    public static void WriteVacation(TableEntity state, VacationSettings vacation) =>
        state["Vacation"] = JsonSerializer.Serialize(vacation, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

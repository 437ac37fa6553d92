using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Migration;

/// <summary>What an import reads from: another IMAP server, or an uploaded file.</summary>
public static class ImportKinds
{
    public const string Imap = "imap";
    public const string Mbox = "mbox";
    public const string Maildir = "maildir";
}

/// <summary>Where an import stands. Terminal: completed, cancelled, failed, quota.</summary>
public static class ImportStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";
    public const string Quota = "quota";

    public static bool IsTerminal(string status) => status is Completed or Cancelled or Failed or Quota;
}

/// <summary>
/// One import: its row <c>job|{id}</c> in the <c>imports</c> table (partition = the mailbox id;
/// docs/storage.md). Mutable: a run changes it and writes it back under its ETag.
/// </summary>
public sealed class ImportJob
{
    public required string Id { get; init; }
    public required string MailboxId { get; init; }
    public required string TenantId { get; init; }
    public required string Address { get; init; }
    public required string Kind { get; init; }
    public string Status { get; set; } = ImportStatus.Queued;

    // IMAP source (Kind imap).
    public string? Host { get; init; }
    public int Port { get; init; }
    public string? Security { get; init; }
    public string? Username { get; init; }
    /// <summary>The source password encrypted (<see cref="SourcePasswords"/>); removed when the import ends.</summary>
    public string? Secret { get; set; }
    /// <summary>Source folders to import ("\n" between them); null: all.</summary>
    public string? Folders { get; init; }

    // File source (Kind mbox / maildir).
    public string? Blob { get; init; }
    public string? TargetFolder { get; init; }
    public string? Format { get; init; }
    /// <summary>mbox: byte offset of the next message; Maildir: index of the next zip entry.</summary>
    public long Cursor { get; set; }
    /// <summary>Messages of the file consumed so far (copied, skipped or failed): the next one's number in its dedupe key.</summary>
    public long FileMessages { get; set; }

    public int FoldersTotal { get; set; }
    public int FoldersDone { get; set; }
    public long MessagesTotal { get; set; }
    public long MessagesCopied { get; set; }
    public long Bytes { get; set; }
    public long Errors { get; set; }
    public string? LastError { get; set; }
    public int Failures { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public string? LeaseId { get; set; }
    public ETag ETag { get; set; }

    public static string RowKey(string id) => "job|" + id;

    public TableEntity ToEntity()
    {
        var e = new TableEntity(MailboxId, RowKey(Id))
        {
            ["TenantId"] = TenantId, ["Address"] = Address, ["Kind"] = Kind, ["Status"] = Status,
            ["Host"] = Host, ["Port"] = Port, ["Security"] = Security, ["Username"] = Username, ["Secret"] = Secret, ["Folders"] = Folders,
            ["Blob"] = Blob, ["TargetFolder"] = TargetFolder, ["Format"] = Format, ["Cursor"] = Cursor, ["FileMessages"] = FileMessages,
            ["FoldersTotal"] = FoldersTotal, ["FoldersDone"] = FoldersDone, ["MessagesTotal"] = MessagesTotal, ["MessagesCopied"] = MessagesCopied,
            ["Bytes"] = Bytes, ["Errors"] = Errors, ["LastError"] = LastError, ["Failures"] = Failures,
            ["CreatedAt"] = CreatedAt, ["StartedAt"] = StartedAt, ["UpdatedAt"] = UpdatedAt, ["FinishedAt"] = FinishedAt,
            ["LeaseUntil"] = LeaseUntil, ["LeaseId"] = LeaseId,
        };
        e.ETag = ETag;
        return e;
    }

    public static ImportJob FromEntity(TableEntity e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new ImportJob
        {
            Id = e.RowKey["job|".Length..], MailboxId = e.PartitionKey, TenantId = e.GetString("TenantId"), Address = e.GetString("Address"),
            Kind = e.GetString("Kind"), Status = e.GetString("Status"),
            Host = e.GetString("Host"), Port = e.GetInt32("Port") ?? 0, Security = e.GetString("Security"), Username = e.GetString("Username"),
            Secret = e.GetString("Secret"), Folders = e.GetString("Folders"),
            Blob = e.GetString("Blob"), TargetFolder = e.GetString("TargetFolder"), Format = e.GetString("Format"),
            Cursor = e.GetInt64("Cursor") ?? 0, FileMessages = e.GetInt64("FileMessages") ?? 0,
            FoldersTotal = e.GetInt32("FoldersTotal") ?? 0, FoldersDone = e.GetInt32("FoldersDone") ?? 0,
            MessagesTotal = e.GetInt64("MessagesTotal") ?? 0, MessagesCopied = e.GetInt64("MessagesCopied") ?? 0,
            Bytes = e.GetInt64("Bytes") ?? 0, Errors = e.GetInt64("Errors") ?? 0, LastError = e.GetString("LastError"), Failures = e.GetInt32("Failures") ?? 0,
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default, StartedAt = e.GetDateTimeOffset("StartedAt"),
            UpdatedAt = e.GetDateTimeOffset("UpdatedAt"), FinishedAt = e.GetDateTimeOffset("FinishedAt"),
            LeaseUntil = e.GetDateTimeOffset("LeaseUntil"), LeaseId = e.GetString("LeaseId"),
            ETag = e.ETag,
        };
    }

    /// <summary>Ends the import: the status, the time, and the source password gone.</summary>
    public void Finish(string status, DateTimeOffset now, string? error = null)
    {
        Status = status;
        FinishedAt = now;
        Secret = null;
        LeaseUntil = null;
        LeaseId = null;
        if (error is not null)
        {
            LastError = error;
        }
    }
}

/// <summary>How far an import has read one source folder: row <c>src|{source}|{folder}</c>, shared by every import from that source into the mailbox.</summary>
public sealed record FolderProgress(string Folder, long UidValidity, long LastUid);

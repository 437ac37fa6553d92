namespace Serverless.Cli.Api;

// The API's answers as the CLI reads them (JSON names in camelCase, as the function app writes
// them). Only what the CLI shows is declared; --json prints the API's own text, so nothing is lost.

public sealed record Page<T>(IReadOnlyList<T> Items, string? ContinuationToken);

public sealed record Tenant(string Id, string DisplayName, DateTimeOffset CreatedAt);

public sealed record CreatedTenant(string Id, string DisplayName, DateTimeOffset CreatedAt, string KeyId, string ApiKey);

public sealed record TenantQuotaLimits(long StoredBytes, long Mailboxes, long MessagesPerDay);

public sealed record TenantQuotaUsage(long StoredBytes, long Mailboxes, long MessagesToday);

public sealed record TenantQuotas(string Tenant, TenantQuotaLimits Limits, TenantQuotaUsage Usage);

public sealed record ApiKey(string KeyId, DateTimeOffset CreatedAt);

public sealed record CreatedApiKey(string KeyId, string ApiKey, DateTimeOffset CreatedAt);

public sealed record DomainSummary(string Name, string UnicodeName, string? DkimSelector, DateTimeOffset CreatedAt, string Status);

public sealed record DnsRecord(string Type, string Name, string Value);

public sealed record Domain(string Name, string UnicodeName, string? DkimSelector, DateTimeOffset CreatedAt, IReadOnlyList<DnsRecord> DnsRecords,
    string MtaStsPolicy, string Status, DnsRecord? Verification);

public sealed record DnsRecordCheck(string Type, string Name, string Expected, string Status, IReadOnlyList<string> Found);

public sealed record MxHostCheck(string Name, string Status, IReadOnlyList<string> Addresses, IReadOnlyList<string> Expected);

public sealed record DnsCheck(string Domain, IReadOnlyList<DnsRecordCheck> Records, MxHostCheck MxHost);

public sealed record Mailbox(string Address, string? DisplayName, long QuotaBytes, bool Enabled, DateTimeOffset CreatedAt);

public sealed record Usage(long Messages, long Bytes);

public sealed record MailboxDetail(string Address, string? DisplayName, long QuotaBytes, bool Enabled, DateTimeOffset CreatedAt, Usage Usage);

public sealed record MailboxDeletion(string Address, string Status);

public sealed record Alias(string Address, IReadOnlyList<string> Targets, bool CatchAll, DateTimeOffset CreatedAt);

public sealed record SendAsGrant(string Mailbox, string Address);

public sealed record OutboundRecipient(string Address, string State, string? Status, string? Diagnostic, string? RemoteMta, int Attempts, DateTimeOffset? UpdatedAt);

public sealed record OutboundMessage(string Id, string From, string? AuthenticatedAs, long Size, DateTimeOffset SubmittedAt, bool Done, int Attempt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? NextAttemptAt, IReadOnlyList<OutboundRecipient> Recipients, bool Held = false, bool Cancelled = false);

public sealed record PoisonMessage(string Id, DateTimeOffset? InsertedAt, string Body);

public sealed record PoisonList(string Queue, int ApproximateCount, IReadOnlyList<PoisonMessage> Items);

public sealed record PoisonReplay(string Queue, string Id, string MessageId);

/// <summary>What <c>POST …/imports</c> takes for an IMAP source (the password goes only in this body).</summary>
public sealed record ImapSource(string Host, int Port, string Security, string Username, string Password, IReadOnlyList<string>? Folders);

public sealed record MailboxImport(string Id, string Mailbox, string Kind, string Status, int FoldersDone, int FoldersTotal, long MessagesCopied,
    long MessagesTotal, long Errors, string? LastError, long? EstimatedSecondsLeft)
{
    /// <summary>Completed, cancelled, failed or quota: the import will not change any more.</summary>
    public bool Ended => Status is "completed" or "cancelled" or "failed" or "quota";
}

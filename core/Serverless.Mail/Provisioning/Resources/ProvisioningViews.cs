using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Dns;

namespace Serverless.Mail.Provisioning.Resources;

// What the provisioning services return; the function app sends them as JSON response bodies. Each
// one has a schema in the function app's ProvisioningSchemas; the tests check every response
// against the documented schema, so the two cannot drift apart.

public sealed record TenantView(string Id, string DisplayName, DateTimeOffset CreatedAt)
{
    public static TenantView From(TenantRecord t) => new(t.Id, t.DisplayName, t.CreatedAt);
}

public sealed record CreatedTenantView(string Id, string DisplayName, DateTimeOffset CreatedAt, string KeyId, string ApiKey);

public sealed record ApiKeyView(string KeyId, DateTimeOffset CreatedAt);

public sealed record CreatedApiKeyView(string KeyId, string ApiKey, DateTimeOffset CreatedAt);

/// <param name="Status"><c>pending</c>, <c>verified</c> or <c>superseded</c> (issue 14: only verified domains are hosted).</param>
public sealed record DomainSummaryView(string Name, string UnicodeName, string? DkimSelector, DateTimeOffset CreatedAt, string Status);

/// <summary>The TXT record that proves the tenant controls the domain.</summary>
public sealed record DomainVerificationView(string Type, string Name, string Value);

public sealed record DomainView(string Name, string UnicodeName, string? DkimSelector, DateTimeOffset CreatedAt, IReadOnlyList<DnsRecord> DnsRecords, string MtaStsPolicy,
    string Status, DomainVerificationView? Verification)
{
    /// <summary>A rotation's new selector: published now, signing switches to it once DNS serves it (issue 21).</summary>
    public string? DkimNextSelector { get; init; }

    /// <summary>The selector signing left at the switch: still published until it retires.</summary>
    public string? DkimRetiringSelector { get; init; }

    /// <summary>The Ed25519 key's selector when the domain signs a second time with it (RFC 8463); null: RSA only.</summary>
    public string? DkimEd25519Selector { get; init; }
}

public sealed record MailboxView(string Address, string? DisplayName, long QuotaBytes, bool Enabled, DateTimeOffset CreatedAt)
{
    public static MailboxView From(MailboxRecord m) => new(m.Address, m.DisplayName, m.QuotaBytes, m.Enabled, m.CreatedAt);
}

public sealed record UsageView(long Messages, long Bytes);

public sealed record MailboxDetailView(string Address, string? DisplayName, long QuotaBytes, bool Enabled, DateTimeOffset CreatedAt, UsageView Usage);

public sealed record MailboxDeletionView(string Address, string Status);

public sealed record AliasView(string Address, IReadOnlyList<string> Targets, bool CatchAll, DateTimeOffset CreatedAt)
{
    public static AliasView From(AliasRecord a) => new(a.Address, a.Targets, a.IsCatchAll, a.CreatedAt);
}

/// <summary>A send-as grant: <paramref name="Mailbox"/> may send as <paramref name="Address"/>.</summary>
public sealed record SendAsView(string Mailbox, string Address);

public sealed record ListView<T>(IReadOnlyList<T> Items, string? ContinuationToken);

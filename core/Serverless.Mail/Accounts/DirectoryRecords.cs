namespace Serverless.Mail.Accounts;

public sealed record TenantRecord(string Id, string DisplayName, DateTimeOffset CreatedAt)
{
    /// <summary>The tenant's limits (each 0 = unlimited), set by the admin (<c>PUT /api/tenants/{t}/quotas</c>).</summary>
    public TenantQuotas Quotas { get; init; } = TenantQuotas.None;
}

/// <summary>
/// Tenant-level limits, each 0 for unlimited: bytes stored in all its mailboxes, how many mailboxes,
/// and messages a UTC day — received (filed by the ingest) plus sent (relayed to the internet), the
/// same two counts the usage report shows.
/// </summary>
public sealed record TenantQuotas(long StoredBytes, long Mailboxes, long MessagesPerDay)
{
    public static readonly TenantQuotas None = new(0, 0, 0);

    public bool Any => StoredBytes > 0 || Mailboxes > 0 || MessagesPerDay > 0;
}

/// <summary>Where a tenant's claim of a domain stands (see docs/storage.md, "Domains").</summary>
public enum DomainStatus
{
    /// <summary>Claimed, not proven: hosts nothing, blocks nobody.</summary>
    Pending,

    /// <summary>Proven by this tenant: the domain is hosted here for it.</summary>
    Verified,

    /// <summary>Another tenant proved the domain first; this claim hosts nothing.</summary>
    Superseded,
}

/// <summary>A tenant's domain. The "who hosts X" lookups only ever return <see cref="DomainStatus.Verified"/> records.</summary>
public sealed record DomainRecord(string Name, string TenantId, string? DkimSelector, DateTimeOffset CreatedAt)
{
    public DomainStatus Status { get; init; } = DomainStatus.Verified;

    /// <summary>The random value the TXT record <c>_serverless-mail.{domain}</c> must hold; null for domains hosted before verification existed.</summary>
    public string? VerificationToken { get; init; }

    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>Since when the daily re-check has not found the TXT record (null: found last time).</summary>
    public DateTimeOffset? MissingSince { get; init; }

    /// <summary>A DKIM rotation's new selector, published beside <see cref="DkimSelector"/> until signing switches to it.</summary>
    public string? DkimNextSelector { get; init; }

    /// <summary>When the rotation began (the switch happens by DNS or after <c>Mail:Provisioning:DkimSwitchAfter</c>).</summary>
    public DateTimeOffset? DkimNextSince { get; init; }

    /// <summary>The selector signing stopped using at the switch: still published until it retires.</summary>
    public string? DkimRetiringSelector { get; init; }

    /// <summary>When the switch happened (the old key retires <c>Mail:Provisioning:DkimRetireAfter</c> later).</summary>
    public DateTimeOffset? DkimRetiringSince { get; init; }

    /// <summary>The selector of the domain's Ed25519 key (RFC 8463), when the tenant asked for a second signature; null: RSA only.</summary>
    public string? DkimEd25519Selector { get; init; }
}

/// <summary>A mailbox account. <see cref="MailboxId"/> keys its index partition; it never changes.</summary>
public sealed record MailboxRecord
{
    public required string Address { get; init; }

    public required string TenantId { get; init; }

    public required string MailboxId { get; init; }

    public string? DisplayName { get; init; }

    /// <summary>PBKDF2 hash (see <see cref="Security.PasswordHasher"/>); never the password.</summary>
    public required string PasswordHash { get; init; }

    /// <summary>0 means unlimited.</summary>
    public long QuotaBytes { get; init; }

    public bool Enabled { get; init; } = true;

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Addresses of the same tenant this mailbox may send as besides its own (send-as grants), normalised.</summary>
    public IReadOnlyList<string> SendAs { get; init; } = [];

    public Azure.ETag ETag { get; init; }
}

/// <summary>An alias (or, with an <c>@domain</c> address, a catch-all) and where its mail goes.</summary>
public sealed record AliasRecord(string Address, string TenantId, IReadOnlyList<string> Targets, DateTimeOffset CreatedAt)
{
    public bool IsCatchAll => Address.StartsWith('@');
}

public sealed record ApiKeyRecord(string KeyId, string TenantId, DateTimeOffset CreatedAt);

/// <summary>The one thing an address names in the directory.</summary>
public abstract record AddressEntry
{
    public sealed record Mailbox(MailboxRecord Record) : AddressEntry;

    public sealed record Alias(AliasRecord Record) : AddressEntry;
}

/// <summary>Raised when a create would overwrite something that exists (HTTP 409).</summary>
public sealed class DirectoryConflictException(string message) : Exception(message);

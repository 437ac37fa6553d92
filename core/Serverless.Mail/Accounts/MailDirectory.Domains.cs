using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Accounts;

/// <summary>
/// Domains, in the "domain" partition (docs/storage.md): the hosting row (RowKey = the domain)
/// exists only while some tenant has proven the domain, so "which tenant hosts X" stays one point
/// read; every tenant's claim is a row of its own (RowKey = "{domain}|{tenant}") holding its
/// verification token and DKIM selector. Pending claims never touch the hosting row, so they
/// block nobody; the first verification inserts it and wins.
/// </summary>
public sealed partial class MailDirectory
{
    /// <summary>
    /// Adds a domain verified at once (tests, the dev host, <c>RequireDomainVerification=false</c>):
    /// claim and hosting row in one transaction. A name hosted by anyone throws <see cref="DirectoryConflictException"/>.
    /// </summary>
    public Task<DomainRecord> AddDomainAsync(string tenantId, string domain, string? dkimSelector, CancellationToken cancellationToken = default) =>
        AddDomainAsync(tenantId, domain, dkimSelector, NewVerificationToken(), verified: true, cancellationToken);

    /// <summary>
    /// Adds a tenant's claim of a domain, pending or (<paramref name="verified"/>) hosted at once.
    /// The tenant's own second claim, or a verified add of a hosted name, throws <see cref="DirectoryConflictException"/>.
    /// </summary>
    public async Task<DomainRecord> AddDomainAsync(string tenantId, string domain, string? dkimSelector, string verificationToken, bool verified,
        CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new DomainRecord(domain, tenantId, dkimSelector, now)
        {
            Status = verified ? DomainStatus.Verified : DomainStatus.Pending,
            VerificationToken = verificationToken,
            VerifiedAt = verified ? now : null,
        };
        // One entity-group transaction (one request, all or nothing): the claim, and for a verified
        // add the hosting row, whose insert is the real guard against a name hosted by anyone.
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, ClaimEntity(record)) };
        if (verified)
        {
            actions.Add(new(TableTransactionActionType.Add, HostingEntity(record)));
        }
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            throw new DirectoryConflictException($"Domain '{domain}' is already hosted.");
        }
        return record;
    }

    /// <summary>The tenant hosting a domain (verified), or null: one point read. Pending and superseded claims are never returned.</summary>
    public async Task<DomainRecord?> GetDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var e = await GetAsync(DirectoryKeys.DomainPartition, domain, cancellationToken).ConfigureAwait(false);
        return e is null ? null : ToDomain(domain, e, DomainStatus.Verified);
    }

    /// <summary>The tenant's claim of a domain with its status, or null when the tenant has none.</summary>
    public async Task<DomainRecord?> GetDomainAsync(string tenantId, string domain, CancellationToken cancellationToken = default)
    {
        var hosted = await GetDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        if (hosted?.TenantId == tenantId)
        {
            return hosted;
        }
        var claim = await GetAsync(DirectoryKeys.DomainPartition, DirectoryKeys.DomainClaimRow(domain, tenantId), cancellationToken).ConfigureAwait(false);
        return claim is null ? null : ToDomain(domain, claim, hosted is null ? DomainStatus.Pending : DomainStatus.Superseded);
    }

    /// <summary>All the tenant's claims with their status (one query, plus a point read per claim it does not host).</summary>
    public async Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var hosted = new Dictionary<string, DomainRecord>(StringComparer.Ordinal);
        var claims = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var filter = $"PartitionKey eq '{DirectoryKeys.DomainPartition}' and TenantId eq '{DirectoryKeys.Quote(tenantId)}'";
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var bar = e.RowKey.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0)
            {
                hosted[e.RowKey] = ToDomain(e.RowKey, e, DomainStatus.Verified);
            }
            else
            {
                claims[e.RowKey[..bar]] = e;
            }
        }
        var list = hosted.Values.ToList();
        foreach (var (domain, claim) in claims.Where(c => !hosted.ContainsKey(c.Key)))
        {
            var holder = await GetDomainAsync(domain, cancellationToken).ConfigureAwait(false);
            list.Add(ToDomain(domain, claim, holder is null ? DomainStatus.Pending : DomainStatus.Superseded));
        }
        return list;
    }

    /// <summary>Every hosted (verified) domain: the daily re-check walks these. One partition query.</summary>
    public async Task<IReadOnlyList<DomainRecord>> ListHostedDomainsAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<DomainRecord>();
        await foreach (var e in _table.QueryAsync<TableEntity>($"PartitionKey eq '{DirectoryKeys.DomainPartition}'", cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            if (!e.RowKey.Contains('|', StringComparison.Ordinal))
            {
                list.Add(ToDomain(e.RowKey, e, DomainStatus.Verified));
            }
        }
        return list;
    }

    /// <summary>
    /// Makes a pending claim the domain's host by inserting the hosting row. Null when another
    /// tenant's verification got there first (the claim is superseded).
    /// </summary>
    public async Task<DomainRecord?> HostDomainAsync(DomainRecord claim, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var record = claim with { Status = DomainStatus.Verified, VerifiedAt = now, MissingSince = null };
        try
        {
            await _table.AddEntityAsync(HostingEntity(record), cancellationToken).ConfigureAwait(false);
            return record;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var holder = await GetDomainAsync(claim.Name, cancellationToken).ConfigureAwait(false);
            return holder?.TenantId == claim.TenantId ? holder : null;
        }
    }

    /// <summary>Removes the hosting row if the tenant still holds it; the tenant's claim stays (pending). False if it did not.</summary>
    public async Task<bool> UnhostDomainAsync(string tenantId, string domain, CancellationToken cancellationToken = default)
    {
        var e = await GetAsync(DirectoryKeys.DomainPartition, domain, cancellationToken).ConfigureAwait(false);
        if (e is null || e.GetString("TenantId") != tenantId)
        {
            return false;
        }
        try
        {
            await _table.DeleteEntityAsync(DirectoryKeys.DomainPartition, domain, e.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException x) when (x.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Records the re-check's finding on the hosting row: null clears it (the record was found).</summary>
    public async Task SetDomainMissingSinceAsync(string domain, DateTimeOffset? missingSince, CancellationToken cancellationToken = default)
    {
        var e = await GetAsync(DirectoryKeys.DomainPartition, domain, cancellationToken).ConfigureAwait(false);
        if (e is null)
        {
            return;
        }
        if (missingSince is { } since)
        {
            e["MissingSince"] = since;
        }
        else
        {
            e.Remove("MissingSince");
        }
        await _table.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the tenant's claim, and the hosting row when the tenant holds it. False when the tenant has no claim.</summary>
    public async Task<bool> DeleteDomainAsync(string tenantId, string domain, CancellationToken cancellationToken = default)
    {
        var unhosted = await UnhostDomainAsync(tenantId, domain, cancellationToken).ConfigureAwait(false);
        var row = DirectoryKeys.DomainClaimRow(domain, tenantId);
        var claim = await GetAsync(DirectoryKeys.DomainPartition, row, cancellationToken).ConfigureAwait(false) is not null
            && await DeleteIfExistsAsync(DirectoryKeys.DomainPartition, row, cancellationToken).ConfigureAwait(false);
        return unhosted || claim;
    }

    /// <summary>True if the tenant has at least one mailbox in the domain (one query, at most one row).</summary>
    public async Task<bool> HasMailboxesAsync(string domain, string tenantId, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq '{DirectoryKeys.Quote(DirectoryKeys.AddressPartition(domain))}' and Kind eq 'mailbox' and TenantId eq '{DirectoryKeys.Quote(tenantId)}'";
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            if (page.Values.Count > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>128 random bits, hex: what the tenant publishes to prove the domain.</summary>
    public static string NewVerificationToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static TableEntity ClaimEntity(DomainRecord d) => new(DirectoryKeys.DomainPartition, DirectoryKeys.DomainClaimRow(d.Name, d.TenantId))
    {
        ["TenantId"] = d.TenantId,
        ["DkimSelector"] = d.DkimSelector,
        ["Token"] = d.VerificationToken,
        ["CreatedAt"] = d.CreatedAt,
    };

    private static TableEntity HostingEntity(DomainRecord d) => new(DirectoryKeys.DomainPartition, d.Name)
    {
        ["TenantId"] = d.TenantId,
        ["DkimSelector"] = d.DkimSelector,
        ["Token"] = d.VerificationToken,
        ["CreatedAt"] = d.CreatedAt,
        ["VerifiedAt"] = d.VerifiedAt,
        [DkimNextKey] = d.DkimNextSelector,
        [DkimNextSinceKey] = d.DkimNextSince,
        [DkimRetiringKey] = d.DkimRetiringSelector,
        [DkimRetiringSinceKey] = d.DkimRetiringSince,
        [DkimEd25519Key] = d.DkimEd25519Selector,
    };

    private static DomainRecord ToDomain(string domain, TableEntity e, DomainStatus status) =>
        new(domain, e.GetString("TenantId") ?? "", e.GetString("DkimSelector"), e.GetDateTimeOffset("CreatedAt") ?? default)
        {
            Status = status,
            VerificationToken = e.GetString("Token"),
            VerifiedAt = status == DomainStatus.Verified ? e.GetDateTimeOffset("VerifiedAt") : null,
            MissingSince = status == DomainStatus.Verified ? e.GetDateTimeOffset("MissingSince") : null,
            DkimNextSelector = e.GetString(DkimNextKey),
            DkimNextSince = e.GetDateTimeOffset(DkimNextSinceKey),
            DkimRetiringSelector = e.GetString(DkimRetiringKey),
            DkimRetiringSince = e.GetDateTimeOffset(DkimRetiringSinceKey),
            DkimEd25519Selector = e.GetString(DkimEd25519Key),
        };
}

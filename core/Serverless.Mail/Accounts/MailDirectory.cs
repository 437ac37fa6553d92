using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Index;
using Serverless.Mail.Security;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Accounts;

/// <summary>
/// Tenants, their domains, mailboxes, aliases and API keys, in the directory table. Every method
/// that takes a tenant id returns null / false for records of another tenant, so callers cannot
/// learn that those exist.
/// </summary>
public sealed partial class MailDirectory
{
    private readonly TableClient _table;
    private readonly MailboxIndex _index;
    private readonly PasswordHasher _hasher;

    public MailDirectory(MailStorage storage, MailboxIndex index, PasswordHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _table = storage.Directory;
        _index = index;
        _hasher = hasher;
    }

    public PasswordHasher Hasher => _hasher;

    // ---- tenants ----

    public async Task<TenantRecord> CreateTenantAsync(string tenantId, string displayName, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        await AddAsync(new TableEntity(DirectoryKeys.TenantPartition, tenantId) { ["DisplayName"] = displayName, ["CreatedAt"] = now },
            $"Tenant '{tenantId}' exists.", cancellationToken).ConfigureAwait(false);
        return new TenantRecord(tenantId, displayName, now);
    }

    public async Task<TenantRecord?> GetTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var e = await GetAsync(DirectoryKeys.TenantPartition, tenantId, cancellationToken).ConfigureAwait(false);
        return e is null ? null : ToTenant(e);
    }

    /// <summary>Replaces the tenant's quotas (a merge of the three properties onto its row). False when there is no such tenant.</summary>
    public async Task<bool> SetTenantQuotasAsync(string tenantId, TenantQuotas quotas, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        var row = new TableEntity(DirectoryKeys.TenantPartition, tenantId)
        {
            ["QuotaStoredBytes"] = quotas.StoredBytes,
            ["QuotaMailboxes"] = quotas.Mailboxes,
            ["QuotaMessagesPerDay"] = quotas.MessagesPerDay,
        };
        try
        {
            await _table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    private static TenantRecord ToTenant(TableEntity e) => new(e.RowKey, e.GetString("DisplayName") ?? "", e.GetDateTimeOffset("CreatedAt") ?? default)
    {
        Quotas = new TenantQuotas(e.GetInt64("QuotaStoredBytes") ?? 0, e.GetInt64("QuotaMailboxes") ?? 0, e.GetInt64("QuotaMessagesPerDay") ?? 0),
    };

    public async Task<IReadOnlyList<TenantRecord>> ListTenantsAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<TenantRecord>();
        await foreach (var e in _table.QueryAsync<TableEntity>($"PartitionKey eq '{DirectoryKeys.TenantPartition}'", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(ToTenant(e));
        }
        return list;
    }

    /// <summary>Deletes the tenant row and its API keys. Domains and mailboxes must be removed first by the caller.</summary>
    public async Task<bool> DeleteTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        foreach (var key in await ListApiKeysAsync(tenantId, cancellationToken).ConfigureAwait(false))
        {
            await DeleteIfExistsAsync(DirectoryKeys.ApiKeyPartition, key.KeyId, cancellationToken).ConfigureAwait(false);
        }
        return await DeleteIfExistsAsync(DirectoryKeys.TenantPartition, tenantId, cancellationToken).ConfigureAwait(false);
    }

    // ---- API keys: "smk_{keyId}_{secret}"; only SHA-256(secret) is stored (the secret has 256 bits of entropy) ----

    /// <summary>Issues a tenant API key. The returned plaintext is shown once and never stored.</summary>
    public async Task<(ApiKeyRecord Record, string Plaintext)> CreateApiKeyAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = DateTimeOffset.UtcNow;
        await AddAsync(new TableEntity(DirectoryKeys.ApiKeyPartition, keyId)
        {
            ["TenantId"] = tenantId,
            ["Hash"] = HashSecret(secret),
            ["CreatedAt"] = now,
        }, "Key id collision.", cancellationToken).ConfigureAwait(false);
        return (new ApiKeyRecord(keyId, tenantId, now), $"smk_{keyId}_{secret}");
    }

    /// <summary>The tenant a presented key belongs to, or null. Constant-time comparison of the hash.</summary>
    public async Task<string?> VerifyApiKeyAsync(string presented, CancellationToken cancellationToken = default)
    {
        var parts = presented.Split('_');
        if (parts.Length != 3 || parts[0] != "smk" || parts[1].Length != 16 || !parts[1].All(Uri.IsHexDigit))
        {
            return null;
        }
        var e = await GetAsync(DirectoryKeys.ApiKeyPartition, parts[1], cancellationToken).ConfigureAwait(false);
        if (e?.GetString("Hash") is not string stored)
        {
            return null;
        }
        var ok = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(HashSecret(parts[2])));
        return ok ? e.GetString("TenantId") : null;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var list = new List<ApiKeyRecord>();
        var filter = $"PartitionKey eq '{DirectoryKeys.ApiKeyPartition}' and TenantId eq '{DirectoryKeys.Quote(tenantId)}'";
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(new ApiKeyRecord(e.RowKey, tenantId, e.GetDateTimeOffset("CreatedAt") ?? default));
        }
        return list;
    }

    public async Task<bool> DeleteApiKeyAsync(string tenantId, string keyId, CancellationToken cancellationToken = default)
    {
        var e = await GetAsync(DirectoryKeys.ApiKeyPartition, keyId, cancellationToken).ConfigureAwait(false);
        if (e is null || e.GetString("TenantId") != tenantId)
        {
            return false;
        }
        return await DeleteIfExistsAsync(DirectoryKeys.ApiKeyPartition, keyId, cancellationToken).ConfigureAwait(false);
    }

    private static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '-');

    // ---- shared helpers ----

    private async Task<TableEntity?> GetAsync(string pk, string rk, CancellationToken cancellationToken)
    {
        var r = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
        return r.HasValue ? r.Value : null;
    }

    private async Task AddAsync(TableEntity entity, string conflictMessage, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            throw new DirectoryConflictException(conflictMessage);
        }
    }

    private async Task<bool> DeleteIfExistsAsync(string pk, string rk, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(pk, rk, ETag.All, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

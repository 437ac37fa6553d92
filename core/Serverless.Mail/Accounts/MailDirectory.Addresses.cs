using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Accounts;

public sealed partial class MailDirectory
{
    /// <summary>
    /// Creates a mailbox with its default folders. The index comes first (under a fresh id nobody
    /// can see yet), then the address row; if the address is taken, the index is removed again,
    /// so there is never a mailbox without folders nor folders without an owner.
    /// </summary>
    public async Task<MailboxRecord> CreateMailboxAsync(string tenantId, MailAddress address, string password, string? displayName, long quotaBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        var mailboxId = Guid.NewGuid().ToString("N");
        await _index.CreateMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var record = new MailboxRecord
        {
            Address = address.Address,
            TenantId = tenantId,
            MailboxId = mailboxId,
            DisplayName = displayName,
            PasswordHash = _hasher.Hash(password),
            QuotaBytes = quotaBytes,
            Enabled = true,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        try
        {
            await AddAsync(FromMailbox(address, record), $"Address '{address}' exists.", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _index.DeleteMailboxAsync(mailboxId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return record;
    }

    /// <summary>What an exact address names: a mailbox, an alias, or nothing. One point read.</summary>
    public async Task<AddressEntry?> GetAddressAsync(MailAddress address, CancellationToken cancellationToken = default)
    {
        var e = await GetAsync(DirectoryKeys.AddressPartition(address.Domain), DirectoryKeys.AddressRow(address.LocalPart), cancellationToken).ConfigureAwait(false);
        return e is null ? null : ToEntry(address.Address, e);
    }

    public async Task<MailboxRecord?> GetMailboxAsync(MailAddress address, CancellationToken cancellationToken = default) =>
        (await GetAddressAsync(address, cancellationToken).ConfigureAwait(false)) is AddressEntry.Mailbox m ? m.Record : null;

    public async Task<MailboxRecord?> GetMailboxAsync(string tenantId, MailAddress address, CancellationToken cancellationToken = default)
    {
        var m = await GetMailboxAsync(address, cancellationToken).ConfigureAwait(false);
        return m?.TenantId == tenantId ? m : null;
    }

    /// <summary>The catch-all alias of a domain, if any.</summary>
    public async Task<AliasRecord?> GetCatchAllAsync(string domain, CancellationToken cancellationToken = default)
    {
        var e = await GetAsync(DirectoryKeys.AddressPartition(domain), DirectoryKeys.CatchAllRow, cancellationToken).ConfigureAwait(false);
        return e is null ? null : ToAlias("@" + domain, e);
    }

    /// <summary>Mailboxes and aliases of one domain, a page at a time (one partition query per page).</summary>
    public async Task<(IReadOnlyList<AddressEntry> Items, string? Continuation)> ListAddressesAsync(string domain, string? continuation, int pageSize,
        CancellationToken cancellationToken = default)
    {
        var pages = _table.QueryAsync<TableEntity>($"PartitionKey eq '{DirectoryKeys.Quote(DirectoryKeys.AddressPartition(domain))}'", maxPerPage: pageSize,
            cancellationToken: cancellationToken).AsPages(continuation, pageSize);
        await foreach (var page in pages.ConfigureAwait(false))
        {
            var items = page.Values.Select(e => ToEntry(AddressOf(domain, e.RowKey), e)).ToList();
            return (items, page.ContinuationToken);
        }
        return ([], null);
    }

    public async Task<MailboxRecord?> UpdateMailboxAsync(string tenantId, MailAddress address, string? displayName, long? quotaBytes, bool? enabled,
        CancellationToken cancellationToken = default)
    {
        var current = await GetMailboxAsync(tenantId, address, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return null;
        }
        var next = current with
        {
            DisplayName = displayName ?? current.DisplayName,
            QuotaBytes = quotaBytes ?? current.QuotaBytes,
            Enabled = enabled ?? current.Enabled,
        };
        await _table.UpdateEntityAsync(FromMailbox(address, next), current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return next;
    }

    /// <summary>Sets a new password. Cached logins stop working because their cache key includes the stored hash.</summary>
    public async Task<bool> SetPasswordAsync(string tenantId, MailAddress address, string password, CancellationToken cancellationToken = default)
    {
        var current = await GetMailboxAsync(tenantId, address, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return false;
        }
        var next = current with { PasswordHash = _hasher.Hash(password) };
        await _table.UpdateEntityAsync(FromMailbox(address, next), current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Removes the address (logins and delivery stop at once), then the mailbox's index and blobs.</summary>
    public async Task<bool> DeleteMailboxAsync(string tenantId, MailAddress address, CancellationToken cancellationToken = default)
    {
        var current = await GetMailboxAsync(tenantId, address, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return false;
        }
        await DeleteIfExistsAsync(DirectoryKeys.AddressPartition(address.Domain), DirectoryKeys.AddressRow(address.LocalPart), cancellationToken).ConfigureAwait(false);
        await _index.DeleteMailboxAsync(current.MailboxId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Creates an alias, or the catch-all when <paramref name="localPart"/> is null.</summary>
    public async Task<AliasRecord> CreateAliasAsync(string tenantId, string domain, string? localPart, IReadOnlyList<string> targets,
        CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var rk = localPart is null ? DirectoryKeys.CatchAllRow : DirectoryKeys.AddressRow(localPart);
        var address = localPart is null ? "@" + domain : localPart + "@" + domain;
        await AddAsync(new TableEntity(DirectoryKeys.AddressPartition(domain), rk)
        {
            ["Kind"] = "alias",
            ["TenantId"] = tenantId,
            ["Targets"] = JsonSerializer.Serialize(targets, Json),
            ["CreatedAt"] = now,
        }, $"Address '{address}' exists.", cancellationToken).ConfigureAwait(false);
        return new AliasRecord(address, tenantId, targets, now);
    }

    public async Task<AliasRecord?> GetAliasAsync(string tenantId, string domain, string? localPart, CancellationToken cancellationToken = default)
    {
        var rk = localPart is null ? DirectoryKeys.CatchAllRow : DirectoryKeys.AddressRow(localPart);
        var e = await GetAsync(DirectoryKeys.AddressPartition(domain), rk, cancellationToken).ConfigureAwait(false);
        if (e is null || e.GetString("Kind") != "alias" || e.GetString("TenantId") != tenantId)
        {
            return null;
        }
        return ToAlias(AddressOf(domain, rk), e);
    }

    public async Task<bool> DeleteAliasAsync(string tenantId, string domain, string? localPart, CancellationToken cancellationToken = default)
    {
        if (await GetAliasAsync(tenantId, domain, localPart, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }
        var rk = localPart is null ? DirectoryKeys.CatchAllRow : DirectoryKeys.AddressRow(localPart);
        return await DeleteIfExistsAsync(DirectoryKeys.AddressPartition(domain), rk, cancellationToken).ConfigureAwait(false);
    }

    private static string AddressOf(string domain, string rowKey) =>
        rowKey == DirectoryKeys.CatchAllRow ? "@" + domain : Storage.KeyEscaping.Unescape(rowKey) + "@" + domain;

    private static TableEntity FromMailbox(MailAddress address, MailboxRecord m) =>
        new(DirectoryKeys.AddressPartition(address.Domain), DirectoryKeys.AddressRow(address.LocalPart))
        {
            ["Kind"] = "mailbox",
            ["TenantId"] = m.TenantId,
            ["MailboxId"] = m.MailboxId,
            ["DisplayName"] = m.DisplayName,
            ["PasswordHash"] = m.PasswordHash,
            ["QuotaBytes"] = m.QuotaBytes,
            ["Enabled"] = m.Enabled,
            ["CreatedAt"] = m.CreatedAt,
            ["SendAs"] = m.SendAs.Count == 0 ? null : JsonSerializer.Serialize(m.SendAs, Json),
        };

    private static AddressEntry ToEntry(string address, TableEntity e) => e.GetString("Kind") switch
    {
        "alias" => new AddressEntry.Alias(ToAlias(address, e)),
        _ => new AddressEntry.Mailbox(new MailboxRecord
        {
            Address = address,
            TenantId = e.GetString("TenantId") ?? "",
            MailboxId = e.GetString("MailboxId") ?? "",
            DisplayName = e.GetString("DisplayName"),
            PasswordHash = e.GetString("PasswordHash") ?? "",
            QuotaBytes = e.GetInt64("QuotaBytes") ?? 0,
            Enabled = e.GetBoolean("Enabled") ?? true,
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            SendAs = e.GetString("SendAs") is { } sendAs ? JsonSerializer.Deserialize<List<string>>(sendAs, Json) ?? [] : [],
            ETag = e.ETag,
        }),
    };

    private static AliasRecord ToAlias(string address, TableEntity e) =>
        new(address, e.GetString("TenantId") ?? "",
            JsonSerializer.Deserialize<List<string>>(e.GetString("Targets") ?? "[]", Json) ?? [],
            e.GetDateTimeOffset("CreatedAt") ?? default);
}

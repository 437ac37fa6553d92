using System.Collections.Concurrent;
using Azure.Data.Tables;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Spam;

/// <summary>
/// A tenant's own spam settings: thresholds (null = the service's <c>Mail:Spam:*</c> default) and
/// allow/block lists of addresses (<c>user@example.com</c>) and domains (<c>example.com</c>, which
/// also covers its subdomains).
/// </summary>
public sealed record SpamSettings(double? JunkScore, double? RejectScore, IReadOnlyList<string> Allow, IReadOnlyList<string> Block)
{
    public static SpamSettings Default { get; } = new(null, null, [], []);

    /// <summary>True when <paramref name="address"/> (an address; its domain counts too) is on <paramref name="list"/>.</summary>
    public static bool Lists(IReadOnlyList<string> list, string? address)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (list.Count == 0 || string.IsNullOrEmpty(address))
        {
            return false;
        }
        var at = address.LastIndexOf('@');
        var domain = at < 0 ? address : address[(at + 1)..];
        foreach (var entry in list)
        {
            if (entry.Contains('@', StringComparison.Ordinal))
            {
                if (entry.Equals(address, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (domain.Equals(entry, StringComparison.OrdinalIgnoreCase) || domain.EndsWith("." + entry, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Tenants' spam settings in the <c>spamsettings</c> table (PartitionKey = tenant id, RowKey
/// "settings"; JunkScore, RejectScore, Allow and Block — the lists one entry per line), read by the
/// MX through a per-process cache of <see cref="SpamOptions.SettingsCacheLifetime"/> (a tenant
/// without a row is cached too), so a steady stream of mail costs no read per message. A change
/// through the API is seen by this process at once and by other listeners within the lifetime.
/// </summary>
public sealed class SpamSettingsStore(MailStorage storage, SpamOptions options, TimeProvider time)
{
    /// <summary>Each list is one string column: at most this many characters (a Table string holds 32 K).</summary>
    public const int MaxListCharacters = 30_000;

    public const int MaxListEntries = 1_000;

    private const string RowKey = "settings";
    private readonly ConcurrentDictionary<string, (SpamSettings Settings, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    private TableClient Table => storage.Table(StorageNames.SpamSettingsTable);

    /// <summary>The tenant's settings, cached; <see cref="SpamSettings.Default"/> without a row.</summary>
    public async Task<SpamSettings> GetCachedAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(tenantId, out var hit) && hit.Expires > now)
        {
            return hit.Settings;
        }
        var settings = await ReadAsync(tenantId, cancellationToken).ConfigureAwait(false) ?? SpamSettings.Default;
        if (_cache.Count > 10_000)
        {
            _cache.Clear();
        }
        _cache[tenantId] = (settings, now + options.SettingsCacheLifetime);
        return settings;
    }

    /// <summary>The stored row, uncached (the API); null when the tenant never set any.</summary>
    public async Task<SpamSettings?> ReadAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(KeyEscaping.Escape(tenantId), RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is null)
        {
            return null;
        }
        var e = row.Value;
        return new SpamSettings(e.GetDouble("JunkScore"), e.GetDouble("RejectScore"), Lines(e.GetString("Allow")), Lines(e.GetString("Block")));
    }

    public async Task WriteAsync(string tenantId, SpamSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        ArgumentNullException.ThrowIfNull(settings);
        var entity = new TableEntity(KeyEscaping.Escape(tenantId), RowKey)
        {
            ["JunkScore"] = settings.JunkScore,
            ["RejectScore"] = settings.RejectScore,
            ["Allow"] = string.Join('\n', settings.Allow),
            ["Block"] = string.Join('\n', settings.Block),
        };
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        _cache[tenantId] = (settings, time.GetUtcNow() + options.SettingsCacheLifetime);
    }

    /// <summary>Removes the tenant's row (back to the defaults).</summary>
    public async Task DeleteAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        await Table.DeleteEntityAsync(KeyEscaping.Escape(tenantId), RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        _cache.TryRemove(tenantId, out _);
    }

    /// <summary>
    /// A list entry as stored: an address (lower-cased domain) or a domain; false when it is neither.
    /// </summary>
    public static bool TryNormalizeEntry(string? text, out string entry)
    {
        entry = "";
        var t = text?.Trim() ?? "";
        if (t.Contains('@', StringComparison.Ordinal))
        {
            if (!MailAddress.TryParse(t, out var address))
            {
                return false;
            }
            entry = address.Address;
            return true;
        }
        if (!MailAddress.TryNormalizeDomain(t, out var domain) || !domain.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }
        entry = domain;
        return true;
    }

    private static string[] Lines(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

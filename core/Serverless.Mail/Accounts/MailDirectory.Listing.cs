using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Accounts;

/// <summary>Which kind of address entry a listing returns.</summary>
public enum AddressKind
{
    Mailbox,
    Alias,
}

public sealed partial class MailDirectory
{
    /// <summary>
    /// One tenant's mailboxes or aliases, across its domains (in domain order, then address order),
    /// a page at a time. The continuation token names the domain and the last row returned, so a
    /// page can end anywhere and entries added meanwhile are not skipped. Each page costs one
    /// query of the tenant's domains plus one partition query per domain visited.
    /// </summary>
    public async Task<(IReadOnlyList<AddressEntry> Items, string? Continuation)> ListTenantAddressesAsync(string tenantId, AddressKind kind, string? domain,
        string? continuation, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var domains = domain is not null
            ? [domain]
            : (await ListDomainsAsync(tenantId, cancellationToken).ConfigureAwait(false)).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        string? fromDomain = null, afterRow = null;
        if (continuation is not null && !TryDecodeContinuation(continuation, out fromDomain, out afterRow))
        {
            throw new FormatException("The continuation token is not valid.");
        }
        var items = new List<AddressEntry>();
        var kindName = kind == AddressKind.Mailbox ? "mailbox" : "alias";
        foreach (var d in domains)
        {
            if (fromDomain is not null && string.CompareOrdinal(d, fromDomain) < 0)
            {
                continue;
            }
            var filter = $"PartitionKey eq '{DirectoryKeys.Quote(DirectoryKeys.AddressPartition(d))}' and Kind eq '{kindName}' and TenantId eq '{DirectoryKeys.Quote(tenantId)}'";
            if (d == fromDomain && afterRow is not null)
            {
                filter += $" and RowKey gt '{DirectoryKeys.Quote(afterRow)}'";
            }
            var wanted = pageSize - items.Count;
            string? lastRow = null;
            await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(1000, wanted + 1), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (items.Count == pageSize)
                {
                    // One more exists in this domain: the next page starts after the last one returned.
                    return (items, EncodeContinuation(d, lastRow!));
                }
                items.Add(ToEntry(AddressOf(d, e.RowKey), e));
                lastRow = e.RowKey;
            }
            if (items.Count == pageSize)
            {
                var more = domains.IndexOf(d) < domains.Count - 1;
                return (items, more ? EncodeContinuation(d, lastRow ?? afterRow ?? "") : null);
            }
        }
        return (items, null);
    }

    /// <summary>
    /// The id of every mailbox of every tenant, for upkeep over all mailboxes: one filtered scan of
    /// the directory (a small table: one row per tenant, domain, address and API key).
    /// </summary>
    public async IAsyncEnumerable<string> ListAllMailboxIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in _table.QueryAsync<TableEntity>("Kind eq 'mailbox'", select: ["MailboxId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.GetString("MailboxId") is { Length: > 0 } id)
            {
                yield return id;
            }
        }
    }

    /// <summary>True if the domain has at least one mailbox (one query, at most one row).</summary>
    public async Task<bool> HasMailboxesAsync(string domain, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq '{DirectoryKeys.Quote(DirectoryKeys.AddressPartition(domain))}' and Kind eq 'mailbox'";
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            if (page.Values.Count > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The domain's first enabled mailbox in address order, or null: who gets postmaster mail when
    /// the domain defines no postmaster (one query in the domain's partition, stopping at one row).
    /// </summary>
    public async Task<MailboxRecord?> FirstMailboxAsync(string domain, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq '{DirectoryKeys.Quote(DirectoryKeys.AddressPartition(domain))}' and Kind eq 'mailbox' and Enabled eq true";
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            if (page.Values.Count > 0 && ToEntry(AddressOf(domain, page.Values[0].RowKey), page.Values[0]) is AddressEntry.Mailbox m)
            {
                return m.Record;
            }
        }
        return null;
    }

    /// <summary>
    /// Removes a mailbox's address row only — logins and delivery stop at once — and only if it
    /// still is the row that was read (same ETag), leaving the index to the caller. False if it is gone.
    /// </summary>
    public async Task<bool> RemoveMailboxAddressAsync(MailboxRecord mailbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var address = MailAddress.Parse(mailbox.Address);
        try
        {
            await _table.DeleteEntityAsync(DirectoryKeys.AddressPartition(address.Domain), DirectoryKeys.AddressRow(address.LocalPart),
                mailbox.ETag == default ? ETag.All : mailbox.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    private static string EncodeContinuation(string domain, string row) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(domain + "\n" + row)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeContinuation(string token, out string? domain, out string? row)
    {
        domain = row = null;
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            var nl = text.IndexOf('\n', StringComparison.Ordinal);
            if (nl <= 0)
            {
                return false;
            }
            domain = text[..nl];
            row = text[(nl + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

using Azure.Data.Tables;

namespace Serverless.Mail.Accounts;

/// <summary>A domain's DKIM selectors during a rotation (docs/storage.md, "Domains"): on the tenant's claim row and, when it hosts the domain, the hosting row.</summary>
public sealed partial class MailDirectory
{
    private const string DkimNextKey = "DkimNext";
    private const string DkimNextSinceKey = "DkimNextSince";
    private const string DkimRetiringKey = "DkimRetiring";
    private const string DkimRetiringSinceKey = "DkimRetiringSince";
    private const string DkimEd25519Key = "DkimEd25519";

    /// <summary>
    /// Writes <paramref name="domain"/>'s selectors (signing, next, retiring, Ed25519) to its rows in one
    /// entity-group transaction, each row under the ETag it was read with: a concurrent rotation
    /// or switch makes this throw 412 and changes nothing. False when the tenant has no claim.
    /// </summary>
    public async Task<bool> SetDkimSelectorsAsync(DomainRecord domain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var rows = new List<TableEntity>();
        if (await GetAsync(DirectoryKeys.DomainPartition, DirectoryKeys.DomainClaimRow(domain.Name, domain.TenantId), cancellationToken).ConfigureAwait(false) is not { } claim)
        {
            return false;
        }
        rows.Add(claim);
        if (await GetAsync(DirectoryKeys.DomainPartition, domain.Name, cancellationToken).ConfigureAwait(false) is { } hosting && hosting.GetString("TenantId") == domain.TenantId)
        {
            rows.Add(hosting);
        }
        foreach (var row in rows)
        {
            row["DkimSelector"] = domain.DkimSelector;
            Set(row, DkimNextKey, domain.DkimNextSelector);
            Set(row, DkimNextSinceKey, domain.DkimNextSince);
            Set(row, DkimRetiringKey, domain.DkimRetiringSelector);
            Set(row, DkimRetiringSinceKey, domain.DkimRetiringSince);
            Set(row, DkimEd25519Key, domain.DkimEd25519Selector);
        }
        await _table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, r, r.ETag)), cancellationToken)
            .ConfigureAwait(false);
        return true;
    }

    private static void Set(TableEntity row, string key, object? value)
    {
        if (value is null)
        {
            row.Remove(key);
        }
        else
        {
            row[key] = value;
        }
    }
}

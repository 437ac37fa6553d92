using Serverless.Mail.Storage;

namespace Serverless.Mail.Accounts;

/// <summary>PartitionKey/RowKey scheme of the directory table (docs/storage.md).</summary>
internal static class DirectoryKeys
{
    public const string TenantPartition = "tenant";
    public const string ApiKeyPartition = "apikey";
    public const string DomainPartition = "domain";
    public const string CatchAllRow = "@";

    /// <summary>
    /// A tenant's claim of a domain, next to the domain's hosting row (RowKey = the domain) in the
    /// "domain" partition. Domain names and tenant ids never contain '|', so a domain's claims are
    /// the range ("{domain}|", "{domain}}").
    /// </summary>
    public static string DomainClaimRow(string domain, string tenantId) => domain + "|" + tenantId;

    /// <summary>Every address of a domain (mailboxes, aliases, the catch-all) lives in one partition.</summary>
    public static string AddressPartition(string domain) => "addr|" + domain;

    public static string AddressRow(string localPart) => KeyEscaping.Escape(localPart);

    public static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);
}

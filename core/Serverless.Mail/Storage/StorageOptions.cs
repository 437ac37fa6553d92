namespace Serverless.Mail.Storage;

/// <summary>
/// Where the service keeps its state. One setting decides: a connection string
/// (<c>UseDevelopmentStorage=true</c> or an Azurite/Azure connection string) locally,
/// or an account name reached with a managed identity in Azure.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Mail:Storage";

    /// <summary>A storage connection string. Wins over <see cref="AccountName"/> when both are set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The storage account name; service URIs are derived from it and reached with Entra ID.</summary>
    public string? AccountName { get; set; }

    /// <summary>Client id of a user-assigned managed identity; empty means the default credential chain.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Lowercase letters/digits put in front of every table, container and queue name, so several
    /// deployments (or test runs) can share one account. Empty in production.
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>Pin the REST API version for Azurite, which lags behind the SDK.</summary>
    public bool PinServiceVersionForAzurite { get; set; } = true;
}

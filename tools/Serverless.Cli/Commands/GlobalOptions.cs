using System.CommandLine;

namespace Serverless.Cli.Commands;

/// <summary>The options every command takes (recursive: they may stand anywhere on the line).</summary>
public sealed class GlobalOptions
{
    public Option<string?> Api { get; } = new("--api")
    {
        Description = $"The API's base URL (default: ${ApiConnection.UrlVariable}, else {ApiConnection.LocalUrl}, the dev host of ./run.sh).",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"The API key, admin or tenant (default: ${ApiConnection.KeyVariable}, else .data/admin-key when the API is on this machine).",
        HelpName = "KEY",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the API's JSON answer instead of a table or message.",
        Recursive = true,
    };

    /// <summary>The tenant of the commands under /api/tenants/{tenant} (keys, domains, mailboxes, aliases, send-as, outbound).</summary>
    public Option<string?> Tenant { get; } = new("--tenant", "-t")
    {
        Description = $"The tenant, for commands on a tenant's resources (default: ${ApiConnection.TenantVariable}).",
        HelpName = "ID",
        Recursive = true,
    };
}

using System.CommandLine;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary><c>smail keys</c>: a tenant's API keys — list, add (shown once), revoke.</summary>
public static class KeyCommands
{
    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);

        var list = new Command("list", "List the tenant's key ids.");
        run.Set(list, async c => c.Output.Show(await c.Api.ListKeysAsync(c.Tenant(), c.Cancellation), DirectoryViews.Keys));

        var add = new Command("add", "Issue a new key; it is shown only this once.");
        run.Set(add, async c => c.Output.Show(await c.Api.CreateKeyAsync(c.Tenant(), c.Cancellation), (o, k) => DirectoryViews.NewKey(o, k.KeyId, k.ApiKey)));

        var keyId = new Argument<string>("key-id") { Description = "The key's id (keys list)." };
        var revoke = new Command("revoke", "Revoke a key: it stops working at once.") { keyId };
        run.Set(revoke, async c =>
        {
            await c.Api.DeleteKeyAsync(c.Tenant(), c.Get(keyId), c.Cancellation);
            c.Output.Line($"Key {c.Get(keyId)} revoked.");
        });

        return new Command("keys", "A tenant's API keys.") { list, add, revoke };
    }
}

using System.CommandLine;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary><c>smail aliases</c>: list, add, delete; <c>@domain</c> is the domain's catch-all.</summary>
public static class AliasCommands
{
    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var address = new Argument<string>("address") { Description = "The alias's address; @domain for the catch-all." };

        var domain = new Option<string?>("--domain") { Description = "Only this domain's aliases." };
        var list = new Command("list", "List the tenant's aliases and catch-alls.") { domain };
        run.Set(list, async c =>
        {
            var t = c.Tenant();
            c.Output.Show(await Pages.ReadAllAsync(token => c.Api.ListAliasesAsync(t, c.Get(domain), token, c.Cancellation)), (o, p) => DirectoryViews.Aliases(o, p.Items));
        });

        var targets = new Argument<string[]>("targets") { Description = "Mailboxes or aliases of the tenant, or external addresses.", Arity = ArgumentArity.OneOrMore };
        var add = new Command("add", "Create an alias delivering to its targets.") { address, targets };
        run.Set(add, async c => c.Output.Show(await c.Api.CreateAliasAsync(c.Tenant(), c.Get(address), c.Get(targets), c.Cancellation),
            (o, a) => o.Line($"Alias {a.Address} → {string.Join(", ", a.Targets)}")));

        var delete = new Command("delete", "Delete an alias.") { address };
        run.Set(delete, async c =>
        {
            await c.Api.DeleteAliasAsync(c.Tenant(), c.Get(address), c.Cancellation);
            c.Output.Line($"Alias {c.Get(address)} deleted.");
        });

        return new Command("aliases", "A tenant's aliases and catch-alls.") { list, add, delete };
    }
}

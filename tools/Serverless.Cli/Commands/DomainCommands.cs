using System.CommandLine;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary><c>smail domains</c>: add, list, verify, records, dns-check (a table of ✓/✗), delete.</summary>
public static class DomainCommands
{
    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var name = new Argument<string>("domain") { Description = "The domain name, e.g. example.com." };

        var add = new Command("add", "Claim a domain; prints the verification record and the records to publish.") { name };
        run.Set(add, async c => c.Output.Show(await c.Api.CreateDomainAsync(c.Tenant(), c.Get(name), c.Cancellation), DomainViews.Records));

        var list = new Command("list", "List the tenant's domains with their status.");
        run.Set(list, async c => c.Output.Show(await c.Api.ListDomainsAsync(c.Tenant(), c.Cancellation), DirectoryViews.Domains));

        var force = new Option<bool>("--force") { Description = "Verify without DNS (admin key only)." };
        var verify = new Command("verify", "Check the verification TXT record; the domain is hosted once verified.") { name, force };
        run.Set(verify, async c => c.Output.Show(await c.Api.VerifyDomainAsync(c.Tenant(), c.Get(name), c.Get(force), c.Cancellation),
            (o, d) => o.Line($"{d.Name}: {d.Status}")));

        var records = new Command("records", "Show the DNS records the domain should publish.") { name };
        run.Set(records, async c => c.Output.Show(await c.Api.GetDomainAsync(c.Tenant(), c.Get(name), c.Cancellation), DomainViews.Records));

        var check = new Command("dns-check", $"Look every record up in DNS: {DomainViews.Ok} as published, {DomainViews.NotOk} missing or different. Exit code {ExitCodes.DnsNotReady} unless all are {DomainViews.Ok}.") { name };
        run.Set(check, async c =>
        {
            var reply = await c.Api.CheckDomainDnsAsync(c.Tenant(), c.Get(name), c.Cancellation);
            c.Output.Show(reply, DomainViews.DnsCheck);
            return DomainViews.AllOk(reply.Value) ? ExitCodes.Ok : ExitCodes.DnsNotReady;
        });

        var forceDelete = new Option<bool>("--force") { Description = "Delete its mailboxes and aliases too." };
        var delete = new Command("delete", "Delete a domain (refused while it has mailboxes, unless --force).") { name, forceDelete };
        run.Set(delete, async c =>
        {
            await c.Api.DeleteDomainAsync(c.Tenant(), c.Get(name), c.Get(forceDelete), c.Cancellation);
            c.Output.Line($"Domain {c.Get(name)} deleted.");
        });

        return new Command("domains", "A tenant's domains.") { add, list, verify, records, check, delete };
    }
}

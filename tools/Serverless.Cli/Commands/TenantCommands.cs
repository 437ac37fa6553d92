using System.CommandLine;
using Serverless.Cli.Api;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary><c>smail tenants</c>: list, add, show, delete, quotas (the admin key; a tenant key may show its own, and its quotas).</summary>
public static class TenantCommands
{
    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var id = new Argument<string>("tenant") { Description = "Tenant id: a-z, 0-9 and '-', 3-63 characters." };

        var list = new Command("list", "List the tenants.");
        run.Set(list, async c => c.Output.Show(await c.Api.ListTenantsAsync(c.Cancellation), DirectoryViews.Tenants));

        var name = new Option<string?>("--name") { Description = "Display name." };
        var add = new Command("add", "Create a tenant; prints its first API key, shown only this once.") { id, name };
        run.Set(add, async c =>
        {
            var reply = await c.Api.CreateTenantAsync(c.Get(id), c.Get(name), c.Cancellation);
            c.Output.Show(reply, (o, t) =>
            {
                o.Line($"Tenant {t.Id} created.");
                DirectoryViews.NewKey(o, t.KeyId, t.ApiKey);
            });
        });

        var show = new Command("show", "Show one tenant.") { id };
        run.Set(show, async c => c.Output.Show(await c.Api.GetTenantAsync(c.Get(id), c.Cancellation), DirectoryViews.Tenant));

        var force = new Option<bool>("--force") { Description = "Delete its domains, mailboxes and aliases too." };
        var delete = new Command("delete", "Delete a tenant (refused while it has domains, unless --force).") { id, force };
        run.Set(delete, async c =>
        {
            await c.Api.DeleteTenantAsync(c.Get(id), c.Get(force), c.Cancellation);
            c.Output.Line($"Tenant {c.Get(id)} deleted.");
        });

        var stored = new Option<long?>("--stored") { Description = "Bytes in all its mailboxes together: bytes, or with K/M/G/T (binary); 0 is unlimited.", CustomParser = ByteSizeParser.Parse, HelpName = "SIZE" };
        var mailboxes = new Option<long?>("--mailboxes") { Description = "How many mailboxes it may have; 0 is unlimited." };
        var perDay = new Option<long?>("--messages-per-day") { Description = "Messages a UTC day, received plus relayed; 0 is unlimited." };
        var quotas = new Command("quotas", "Show a tenant's quotas and its usage against them; with options, change those limits (admin key; the others stay).")
        {
            id, stored, mailboxes, perDay,
        };
        run.Set(quotas, async c =>
        {
            var current = await c.Api.GetTenantQuotasAsync(c.Get(id), c.Cancellation);
            if (c.Get(stored) is null && c.Get(mailboxes) is null && c.Get(perDay) is null)
            {
                c.Output.Show(current, DirectoryViews.Quotas);
                return;
            }
            // The API replaces all three; a limit not given keeps the value just read.
            var limits = current.Value.Limits;
            var changed = new TenantQuotaLimits(c.Get(stored) ?? limits.StoredBytes, c.Get(mailboxes) ?? limits.Mailboxes, c.Get(perDay) ?? limits.MessagesPerDay);
            c.Output.Show(await c.Api.SetTenantQuotasAsync(c.Get(id), changed, c.Cancellation), DirectoryViews.Quotas);
        });

        return new Command("tenants", "Tenants (admin key).") { list, add, show, delete, quotas };
    }
}

using System.CommandLine;
using System.Text.Json.Nodes;
using Serverless.Cli.Api;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>smail mailboxes</c>: add (a generated password shown once), list with usage, show, passwd,
/// update, enable/disable, delete.
/// </summary>
public static class MailboxCommands
{
    /// <summary>Usage reads (one GET per mailbox) in flight at once.</summary>
    private const int UsageReads = 8;

    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var address = new Argument<string>("address") { Description = "The mailbox's address (its login)." };
        var password = new Option<string?>("--password") { Description = "The password (at least 10 characters); generated and shown once when left out." };
        var name = new Option<string?>("--name") { Description = "Display name." };
        var quota = new Option<long?>("--quota") { Description = "Quota: bytes, or with K/M/G/T (binary); 0 is unlimited.", CustomParser = ByteSizeParser.Parse, HelpName = "SIZE" };

        var add = new Command("add", "Create a mailbox with its default folders.") { address, password, name, quota };
        run.Set(add, async c =>
        {
            var (secret, generated) = PasswordOf(c.Get(password));
            var reply = await c.Api.CreateMailboxAsync(c.Tenant(), c.Get(address), secret, c.Get(name), c.Get(quota), c.Cancellation);
            ShowPassword(c.Output, reply.Json, reply.Value.Address, secret, generated, $"Mailbox {reply.Value.Address} created.");
        });

        var domain = new Option<string?>("--domain") { Description = "Only this domain's mailboxes." };
        var noUsage = new Option<bool>("--no-usage") { Description = "Skip the usage columns (one request per page instead of one per mailbox)." };
        var list = new Command("list", "List the tenant's mailboxes with their usage.") { domain, noUsage };
        run.Set(list, c => ListAsync(c, c.Tenant(), c.Get(domain), !c.Get(noUsage)));

        var show = new Command("show", "Show a mailbox and its usage.") { address };
        run.Set(show, async c => c.Output.Show(await c.Api.GetMailboxAsync(c.Tenant(), c.Get(address), c.Cancellation), DirectoryViews.Mailbox));

        var passwd = new Command("passwd", "Set a new password (generated and shown once unless --password).") { address, password };
        run.Set(passwd, async c =>
        {
            var (secret, generated) = PasswordOf(c.Get(password));
            await c.Api.SetMailboxPasswordAsync(c.Tenant(), c.Get(address), secret, c.Cancellation);
            ShowPassword(c.Output, "{}", c.Get(address), secret, generated, $"Password of {c.Get(address)} changed.");
        });

        var update = new Command("update", "Change the display name or the quota.") { address, name, quota };
        run.Set(update, async c => c.Output.Show(
            await c.Api.UpdateMailboxAsync(c.Tenant(), c.Get(address), c.Get(name), c.Get(quota), null, c.Cancellation),
            (o, m) => o.Line($"Mailbox {m.Address} updated: quota {Tables.Size(m.QuotaBytes, zeroIsUnlimited: true)}.")));

        var enable = new Command("enable", "Let the mailbox log in and receive mail again.") { address };
        run.Set(enable, c => SetEnabledAsync(c, c.Tenant(), c.Get(address), true));
        var disable = new Command("disable", "Refuse its logins and its mail, keeping its contents.") { address };
        run.Set(disable, c => SetEnabledAsync(c, c.Tenant(), c.Get(address), false));

        var delete = new Command("delete", "Delete a mailbox and everything in it.") { address };
        run.Set(delete, async c =>
        {
            var reply = await c.Api.DeleteMailboxAsync(c.Tenant(), c.Get(address), c.Cancellation);
            if (reply.Value is null)
            {
                c.Output.Line($"Mailbox {c.Get(address)} deleted.");
            }
            else
            {
                c.Output.Show(reply, (o, d) => o.Line($"Mailbox {d!.Address} deleted; its contents are being removed in the background ({d.Status})."));
            }
        });

        return new Command("mailboxes", "A tenant's mailboxes.") { add, list, show, passwd, update, enable, disable, delete };
    }

    private static (string Password, bool Generated) PasswordOf(string? given) =>
        string.IsNullOrEmpty(given) ? (GeneratedPassword.New(), true) : (given, false);

    /// <summary>A generated password is shown this once: after the message, or as <c>password</c> in the JSON.</summary>
    private static void ShowPassword(CliOutput output, string json, string address, string password, bool generated, string done)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node["address"] = address;
        if (generated)
        {
            node["password"] = password;
        }
        output.Show(node, done);
        if (generated)
        {
            output.Line($"Password: {password}");
            output.Line("It is shown only this once; the service keeps only its hash.");
        }
    }

    private static async Task SetEnabledAsync(Invocation c, string tenant, string address, bool enabled) =>
        c.Output.Show(await c.Api.UpdateMailboxAsync(tenant, address, null, null, enabled, c.Cancellation),
            (o, m) => o.Line($"Mailbox {m.Address} {(m.Enabled ? "enabled" : "disabled")}."));

    private static async Task ListAsync(Invocation c, string tenant, string? domain, bool withUsage)
    {
        var page = await Pages.ReadAllAsync(token => c.Api.ListMailboxesAsync(tenant, domain, token, c.Cancellation));
        if (!withUsage)
        {
            c.Output.Show(page, (o, p) => DirectoryViews.Mailboxes(o, [.. p.Items.Select(m => (m, (Usage?)null))]));
            return;
        }
        // Usage is only in each mailbox's own answer: read them a few at a time, keep the listing's order.
        var details = new ApiReply<MailboxDetail>[page.Value.Items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, details.Length), new ParallelOptions { MaxDegreeOfParallelism = UsageReads, CancellationToken = c.Cancellation },
            async (i, ct) => details[i] = await c.Api.GetMailboxAsync(tenant, page.Value.Items[i].Address, ct));
        if (c.Output.Json)
        {
            var items = new JsonArray([.. details.Select(d => JsonNode.Parse(d.Json))]);
            c.Output.WriteJson(new JsonObject { ["items"] = items, ["continuationToken"] = null }.ToJsonString());
            return;
        }
        DirectoryViews.Mailboxes(c.Output, [.. details.Select(d => (new Mailbox(d.Value.Address, d.Value.DisplayName, d.Value.QuotaBytes, d.Value.Enabled, d.Value.CreatedAt), (Usage?)d.Value.Usage))]);
    }
}

using System.CommandLine;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary><c>smail send-as</c>: which other addresses of the tenant a mailbox may send as.</summary>
public static class SendAsCommands
{
    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var mailbox = new Argument<string>("mailbox") { Description = "The mailbox (its address)." };
        var address = new Argument<string>("address") { Description = "The address it may use in From:." };

        var list = new Command("list", "List a mailbox's send-as grants.") { mailbox };
        run.Set(list, async c => c.Output.Show(await c.Api.ListSendAsAsync(c.Tenant(), c.Get(mailbox), c.Cancellation), DirectoryViews.SendAs));

        var grant = new Command("grant", "Let a mailbox send as an address of the tenant.") { mailbox, address };
        run.Set(grant, async c => c.Output.Show(await c.Api.GrantSendAsAsync(c.Tenant(), c.Get(mailbox), c.Get(address), c.Cancellation),
            (o, g) => o.Line($"{g.Mailbox} may send as {g.Address}.")));

        var revoke = new Command("revoke", "Take a send-as grant back.") { mailbox, address };
        run.Set(revoke, async c =>
        {
            await c.Api.RevokeSendAsAsync(c.Tenant(), c.Get(mailbox), c.Get(address), c.Cancellation);
            c.Output.Line($"{c.Get(mailbox)} may no longer send as {c.Get(address)}.");
        });

        return new Command("send-as", "Send-as grants of a tenant's mailboxes.") { list, grant, revoke };
    }
}

using System.CommandLine;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>smail outbound</c>: the tenant's messages in the outbound relay. A command on one message
/// (retry, cancel, hold) is a client method plus a <see cref="Command"/> taking <c>id</c> here.
/// </summary>
public static class OutboundCommands
{
    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);

        var all = new Option<bool>("--all") { Description = "Include finished messages (delivered or failed)." };
        var list = new Command("list", "List the tenant's queued messages and each recipient's state.") { all };
        run.Set(list, async c =>
        {
            var t = c.Tenant();
            c.Output.Show(await Pages.ReadAllAsync(token => c.Api.ListOutboundAsync(t, c.Get(all), token, c.Cancellation)), (o, p) => QueueViews.Outbound(o, p.Items));
        });

        return new Command("outbound", "A tenant's outbound queue.") { list };
    }
}

using System.CommandLine;
using Serverless.Cli.Api;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>smail outbound</c>: the tenant's messages in the outbound relay. A command on one message
/// (retry, cancel, hold) is a client method plus a <see cref="Command"/> taking <c>id</c> here.
/// </summary>
public static class OutboundCommands
{
    private delegate Task<ApiReply<OutboundMessage>> Control(MailApiClient api, string tenant, string id, CancellationToken ct);

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

        return new Command("outbound", "A tenant's outbound queue.")
        {
            list,
            OnOne(run, "retry", "Try the message's pending recipients now (refused while held, cancelled, finished or in an attempt).",
                (api, t, id, ct) => api.RetryOutboundAsync(t, id, ct), "queued for an attempt now"),
            OnOne(run, "hold", "No attempt until released (an attempt in progress finishes).",
                (api, t, id, ct) => api.HoldOutboundAsync(t, id, ct), "held"),
            OnOne(run, "release", "Release a held message: it is tried now.",
                (api, t, id, ct) => api.ReleaseOutboundAsync(t, id, ct), "released and queued for an attempt now"),
            OnOne(run, "cancel", "No further attempt: the pending recipients fail and the sender gets a failure DSN.",
                (api, t, id, ct) => api.CancelOutboundAsync(t, id, ct), "cancelled"),
        };
    }

    private static Command OnOne(CommandRunner run, string name, string description, Control control, string done)
    {
        var id = new Argument<string>("id") { Description = "The message's id (outbound list)." };
        var command = new Command(name, description) { id };
        run.Set(command, async c =>
        {
            var t = c.Tenant();
            c.Output.Show(await control(c.Api, t, c.Get(id), c.Cancellation), (o, m) => o.Line($"Message {m.Id} {done}."));
        });
        return command;
    }
}

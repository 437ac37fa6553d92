using System.CommandLine;
using Serverless.Cli.Rendering;

namespace Serverless.Cli.Commands;

/// <summary><c>smail poison</c>: messages that failed five times in a queue; list, and replay one once its cause is fixed (admin key).</summary>
public static class PoisonCommands
{
    /// <summary>The queues with a poison queue (core's PoisonQueues.Queues); offered as completions, the API checks.</summary>
    private static readonly string[] Queues = ["inbound", "outbound", "mailbox-deletion", "spam-learning"];

    public static Command Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var queue = new Argument<string>("queue") { Description = "inbound, outbound, mailbox-deletion or spam-learning." };
        queue.CompletionSources.Add(Queues);

        var list = new Command("list", "The oldest messages (up to 32) in a queue's poison queue.") { queue };
        run.Set(list, async c => c.Output.Show(await c.Api.ListPoisonAsync(c.Get(queue), c.Cancellation), QueueViews.Poison));

        var id = new Argument<string>("id") { Description = "The message's id (poison list)." };
        var replay = new Command("replay", "Put a message back on its queue.") { queue, id };
        run.Set(replay, async c => c.Output.Show(await c.Api.ReplayPoisonAsync(c.Get(queue), c.Get(id), c.Cancellation),
            (o, r) => o.Line($"Message {r.Id} is back on {r.Queue} (queue message {r.MessageId}).")));

        return new Command("poison", "Poison queues (admin key).") { list, replay };
    }
}

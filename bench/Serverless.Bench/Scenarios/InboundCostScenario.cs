using Serverless.Bench.Clients;
using Serverless.Bench.Stack;
using Serverless.Mail.Storage;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Storage transactions per inbound single-recipient message, from the host's meter: one lone
/// message (after the queue pollers have backed off), then a batch under load. No IMAP client
/// watches, so every request counted is the listener's, the queue trigger's or the ingest's.
/// Polls of the other queues (outbound, mailbox deletion) run whatever the traffic and are shown
/// apart; polls of the inbound queue are counted against the messages.
/// </summary>
internal static class InboundCostScenario
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        var mailbox = await stack.CreateMailboxAsync($"cost{run}");
        // Warm-up (recipient cache, the index lane's counter rows), then let the pollers back off.
        await SendAsync(stack, mailbox.Address, o.MessageSize, run, -1);
        await Task.Delay(TimeSpan.FromSeconds(3));

        var marks = SmtpScenario.DrainMarks(stack);
        var lone = new StorageWindow(stack.Meter);
        await SendAsync(stack, mailbox.Address, o.MessageSize, run, 0);
        await SmtpScenario.WaitDrainedAsync(stack, marks, 1, TimeSpan.FromSeconds(30));
        var loneDelta = lone.Delta();
        var (loneCount, loneOther) = Split(loneDelta, stack.Prefix);
        // Exactly one receive returned the message; any other receive of the inbound queue in the
        // window came back empty (the trigger polling while the message was still on the wire).
        var emptyPolls = Math.Max(0, lone.Count("queue", "GETMessage", "-inbound") - 1);
        report.Add("Storage transactions, lone inbound message", loneCount - emptyPolls, "req/msg", Target.Max(5),
            $"+{emptyPolls} empty polls of the inbound queue and {loneOther} of other queues in the same window");
        report.Detail("lone: " + StorageWindow.Describe(loneDelta, stack.Prefix));

        marks = SmtpScenario.DrainMarks(stack);
        var load = new StorageWindow(stack.Meter);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < o.CostMessages)
            {
                await SendAsync(stack, mailbox.Address, o.MessageSize, run, i + 1);
            }
        })));
        await SmtpScenario.WaitDrainedAsync(stack, marks, o.CostMessages, TimeSpan.FromSeconds(60 + o.CostMessages * 0.05));
        var loadDelta = load.Delta();
        var (loadCount, loadOther) = Split(loadDelta, stack.Prefix);
        report.Add($"Storage transactions per inbound message under load ({o.CostMessages} msgs, {o.Concurrency} sessions)",
            (double)loadCount / o.CostMessages, "req/msg", Target.Max(4), $"+{(double)loadOther / o.CostMessages:0.00}/msg idle polls of other queues");
        report.Detail("under load, per message: " + StorageWindow.Describe(loadDelta, stack.Prefix, o.CostMessages));
        var tenant = loadDelta.Where(kv => kv.Key.Tenant == BenchStack.Tenant).Sum(kv => kv.Value);
        report.Detail($"attributed to tenant '{BenchStack.Tenant}' by the meter: {tenant} of {loadCount + loadOther} requests (the ingest's, once it has resolved the recipient)");
    }

    /// <summary>(requests for the messages, idle polls of other queues).</summary>
    private static (long, long) Split(Dictionary<StorageRequestKey, long> delta, string prefix)
    {
        bool OtherQueue(StorageRequestKey k) => k.Service == "queue" && k.Operation == "GETMessage" && k.Resource != prefix + "-inbound";
        return (delta.Where(kv => !OtherQueue(kv.Key)).Sum(kv => kv.Value), delta.Where(kv => OtherQueue(kv.Key)).Sum(kv => kv.Value));
    }

    private static Task SendAsync(BenchStack stack, string to, int size, int run, int i) =>
        SmtpSender.SendAsync(stack.Port("Smtp"), "sender@client.test", to, SmtpSender.Message("sender@client.test", to, $"cost-{run}-{i}-{Guid.NewGuid():N}@client.test", size, $"Cost {i}"));
}

using System.Diagnostics;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;
using Serverless.Testing.Outbound;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Outbound delivery: messages submitted on the submission port (AUTH PLAIN; plaintext is allowed
/// from loopback in the dev setting), relayed by the outbound function the dev host polls, to a
/// receiving SMTP server on 127.0.0.50 found through the loopback DNS server. Storage
/// transactions per delivery are the host's meter over the whole path (submission + relay).
/// </summary>
internal static class OutboundScenario
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        var sender = await stack.CreateMailboxAsync($"sender{run}");
        var domain = $"remote{run}.test";
        stack.Dns.AddMx(domain, 10, "mx." + domain);
        stack.Dns.AddA("mx." + domain, "127.0.0.50");
        await using var sink = TestSmtpServer.Start("127.0.0.50", stack.OutboundSmtpPort);

        // Warm-up: DNS, DKIM key lookup, the relay's first connection.
        var warmBefore = Relayed(stack);
        await SmtpSender.SendAsync(stack.Port("Submission"), sender.Address, "warm@" + domain, Body(sender.Address, domain, run, -1), (sender.Address, BenchStack.Password));
        await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        await StorageWindow.WaitAsync(() => Relayed(stack) > warmBefore, TimeSpan.FromSeconds(10));
        var relayedBefore = Relayed(stack);

        var w = new StorageWindow(stack.Meter);
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < o.OutboundMessages)
            {
                await SmtpSender.SendAsync(stack.Port("Submission"), sender.Address, $"user{i}@{domain}", Body(sender.Address, domain, run, i), (sender.Address, BenchStack.Password));
            }
        })));
        var submitted = clock.Elapsed.TotalSeconds;
        await sink.WaitForMessagesAsync(o.OutboundMessages + 1, TimeSpan.FromSeconds(60 + o.OutboundMessages * 0.2));
        var delivered = clock.Elapsed.TotalSeconds;
        await StorageWindow.WaitAsync(() => Relayed(stack) - relayedBefore >= o.OutboundMessages, TimeSpan.FromSeconds(30));
        var delta = w.Delta();
        bool OtherQueue(Serverless.Mail.Storage.StorageRequestKey k) => k.Service == "queue" && k.Operation == "GETMessage" && k.Resource != stack.Prefix + "-outbound";
        var count = delta.Where(kv => !OtherQueue(kv.Key)).Sum(kv => kv.Value);
        var other = delta.Where(kv => OtherQueue(kv.Key)).Sum(kv => kv.Value);
        report.Add("Storage transactions per outbound delivery (submission + relay)", (double)count / o.OutboundMessages, "req/msg", null,
            $"+{(double)other / o.OutboundMessages:0.00}/msg idle polls of other queues");
        report.Add($"Outbound: submitted and delivered ({o.OutboundMessages} msgs, {o.Concurrency} sessions)", o.OutboundMessages / delivered, "msg/s", null,
            $"submission alone {o.OutboundMessages / submitted:0} msg/s");
        report.Detail("outbound, per message: " + StorageWindow.Describe(delta, stack.Prefix, o.OutboundMessages));
    }

    private static long Relayed(BenchStack stack) =>
        stack.Meter.DetailedSnapshot().Where(kv => kv.Key.Service == "queue" && kv.Key.Operation == "DELETEMessage" && kv.Key.Resource == stack.Prefix + "-outbound")
            .Sum(kv => kv.Value.Requests);

    private static byte[] Body(string from, string domain, int run, int i) =>
        SmtpSender.Message(from, $"user{i}@{domain}", $"out-{run}-{i}-{Guid.NewGuid():N}@bench.test", 4 * 1024, $"Outbound {i}");
}

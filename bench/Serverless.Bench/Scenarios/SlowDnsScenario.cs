using System.Diagnostics;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// The MX with a slow resolver: the same SMTP run (one message per connection, C sessions, every
/// message from one sender domain without SPF/DMARC records) first with the DNS answering at once,
/// then with every answer <see cref="BenchOptions.SlowDnsDelay"/> late (<see cref="SlowDnsProxy"/>).
/// Each run has its own sender domain, so the second starts with nothing cached. Target: the slow
/// figure ≥ 0.8 of the instant one (a resolver's delay should cost the first message of a domain,
/// not every message).
/// </summary>
internal static class SlowDnsScenario
{
    public static async Task RunAsync(BenchStack stack, SlowDnsProxy dns, BenchOptions o, Report report, int run)
    {
        var delay = o.SlowDnsDelay;
        // Warm-up (JIT, connections to storage) with its own sender domain, so the instant half is not the stack's first mail.
        await MeasureAsync(stack, dns, o, $"warm{run}", TimeSpan.Zero, Math.Min(o.SlowDnsMessages, 2 * o.Concurrency));
        var (instant, instantQueries) = await MeasureAsync(stack, dns, o, $"instant{run}", TimeSpan.Zero);
        var (slow, slowQueries) = await MeasureAsync(stack, dns, o, $"slow{run}", delay);
        dns.Delay = TimeSpan.Zero;
        var ms = delay.TotalMilliseconds;
        report.Add($"MX, one sender domain, instant resolver ({o.SlowDnsMessages} msgs, {o.Concurrency} sessions)", instant, "msg/s", null, $"{instantQueries:0.00} DNS queries/msg");
        report.Add($"MX, one sender domain, {ms:0} ms resolver ({o.SlowDnsMessages} msgs, {o.Concurrency} sessions)", slow, "msg/s", null, $"{slowQueries:0.00} DNS queries/msg");
        report.Add($"MX with a {ms:0} ms resolver / with an instant one", slow / instant, "×", ms == 100 ? Target.Min(0.8) : null);
    }

    private static async Task<(double Rate, double QueriesPerMessage)> MeasureAsync(BenchStack stack, SlowDnsProxy dns, BenchOptions o, string label, TimeSpan delay, int? messages = null)
    {
        var count = messages ?? o.SlowDnsMessages;
        var mailbox = await stack.CreateMailboxAsync("dns" + label);
        var sender = $"sender@{label}-{Guid.NewGuid().ToString("N")[..8]}.test";
        var bodies = Enumerable.Range(0, count)
            .Select(i => SmtpSender.Message(sender, mailbox.Address, $"dns-{label}-{i}@client.test", o.MessageSize, $"Resolver {i}"))
            .ToArray();
        dns.Delay = delay;
        var queries = dns.Queries;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await SmtpSender.SendAsync(stack.Port("Smtp"), sender, mailbox.Address, bodies[i]);
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        return (count / seconds, (double)(dns.Queries - queries) / count);
    }
}

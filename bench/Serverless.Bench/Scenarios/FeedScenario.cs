using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;
using Serverless.Listeners.Hosting;
using Serverless.Listeners.Imap;
using Serverless.Mail.Accounts;
using Serverless.Mail.Storage;
using Serverless.Testing;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Issue 23, split like Azure: the ingest in one process, IMAP in another, so new mail reaches an
/// idling client through the change feed. (1) Latency: the listener program as its own OS process
/// (<see cref="ListenerProcess"/>), one message a second to the dev host's MX for
/// <c>--feed-messages</c> seconds; each message's time from its <c>250</c> to the first
/// <c>* n EXISTS</c> that includes it. (2) Cost of idling: <c>--feed-idle</c> IMAP connections on as
/// many mailboxes, each LOGIN + SELECT + IDLE, on listener services with their own storage meter
/// (a second DI container in this process: its own index, feed reader and meter, as a second
/// process would have), counted for <c>--feed-seconds</c> while nothing happens.
/// </summary>
internal static partial class FeedScenario
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        await LatencyAsync(stack, o, report, run);
        await IdleCostAsync(stack, o, report, run);
    }

    private static async Task LatencyAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        var mailbox = await stack.CreateMailboxAsync($"feed{run}");
        await using var listener = await ListenerProcess.StartAsync(stack);
        await using var idler = await ImapConnection.ConnectAsync(listener.ImapPort);
        await idler.LoginAsync(mailbox.Address, BenchStack.Password);
        await idler.SelectAsync("INBOX");
        await idler.IdleAsync();
        var clock = Stopwatch.StartNew();
        var seen = new ConcurrentQueue<(int Count, double At)>();
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var line = await idler.ReadIdleLineAsync(stop.Token);
                if (ExistsLine().Match(line) is { Success: true } m)
                {
                    seen.Enqueue((int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), clock.Elapsed.TotalMilliseconds));
                }
            }
        });
        var sent = new double[o.FeedMessages];
        for (var k = 0; k < o.FeedMessages; k++)
        {
            var body = SmtpSender.Message("sender@remote.example", mailbox.Address, $"<feed{run}-{k}@bench.test>", 2048, "feed " + k);
            await SmtpSender.SendAsync(stack.Port("Smtp"), "sender@remote.example", mailbox.Address, body);
            sent[k] = clock.Elapsed.TotalMilliseconds;
            var next = (k + 1) * 1000.0 - clock.Elapsed.TotalMilliseconds;
            if (next > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(next));
            }
        }
        await StorageWindow.WaitAsync(() => seen.LastOrDefault().Count >= o.FeedMessages, TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await reading.ContinueWith(_ => { }, TaskScheduler.Default);
        var arrivals = seen.ToList();
        var latencies = new List<double>();
        for (var k = 0; k < o.FeedMessages; k++)
        {
            var first = arrivals.FirstOrDefault(a => a.Count >= k + 1);
            if (first.Count > 0)
            {
                latencies.Add(Math.Max(0, first.At - sent[k]));
            }
        }
        latencies.Sort();
        var name = $"split: 250 → * n EXISTS on another process, {o.FeedMessages} messages at 1/s";
        if (latencies.Count == 0)
        {
            report.NotMeasured(name + ", p99", "ms", Target.Max(1000), "no EXISTS arrived");
            return;
        }
        report.Add(name + ", p50", Percentile(latencies, 0.50), "ms");
        report.Add(name + ", p99", Percentile(latencies, 0.99), "ms", Target.Max(1000));
        report.Detail($"feed latency: {latencies.Count} of {o.FeedMessages} seen; min {latencies[0]:0} ms, max {latencies[^1]:0} ms; listener pid {listener.Pid}");
    }

    private static async Task IdleCostAsync(BenchStack stack, BenchOptions o, Report report, int run)
    {
        var mailboxes = new MailboxRecord[o.FeedIdle];
        await Parallel.ForEachAsync(Enumerable.Range(0, mailboxes.Length), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => mailboxes[i] = await stack.CreateMailboxAsync($"feedidle{run}x{i}"));
        var settings = new Dictionary<string, string?>(stack.Settings);
        foreach (var port in new[] { "Smtp", "Submission", "Submissions", "Imaps", "Pop3", "Pop3s", "ManageSieve", "Health" })
        {
            settings[$"Mail:Listeners:Ports:{port}"] = "0";
        }
        var imapPort = AzuriteProcess.FreePort();
        settings["Mail:Listeners:Ports:Imap"] = imapPort.ToString(CultureInfo.InvariantCulture);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddMailListeners();
        await using var listener = builder.Build();
        await listener.StartAsync();

        var clients = new ImapConnection[mailboxes.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, mailboxes.Length), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var c = await ImapConnection.ConnectAsync(imapPort, cancellationToken: ct);
            await c.LoginAsync(mailboxes[i].Address, BenchStack.Password, ct);
            await c.SelectAsync("INBOX", ct);
            await c.IdleAsync(ct);
            clients[i] = c;
        });
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the IDLE starts' checks finish
        var window = new StorageWindow(listener.Services.GetRequiredService<StorageRequestMeter>());
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(o.FeedSeconds));
        var delta = window.Delta();
        var seconds = clock.Elapsed.TotalSeconds;
        var perSecond = delta.Values.Sum() / seconds;
        var poll = listener.Services.GetRequiredService<ImapOptions>().IdlePollInterval;
        report.Add($"split: storage requests/s of one listener process, {o.FeedIdle:#,0} idle IMAP connections on as many mailboxes ({seconds:0} s)", perSecond, "req/s", Target.Max(2));
        report.Detail($"idle cost: {StorageWindow.Describe(delta, stack.Prefix, seconds)} per second; steady state adds the fallback poll, {o.FeedIdle:#,0} folders / {poll.TotalMinutes:0} min = {o.FeedIdle / poll.TotalSeconds:0.00}/s (spread ±25 %, so none fall in a window this short after IDLE began)");
        foreach (var c in clients)
        {
            if (c is not null)
            {
                await c.DisposeAsync();
            }
        }
        await listener.StopAsync();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    [GeneratedRegex(@"^\* (\d+) EXISTS")]
    private static partial Regex ExistsLine();
}

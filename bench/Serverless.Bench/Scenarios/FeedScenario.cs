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
using Serverless.Mail.Index;
using Serverless.Mail.Storage;
using Serverless.Testing;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Issue 23, split like Azure: the ingest in one process, IMAP in another, so new mail reaches an
/// idling client through the change feed. (1) Latency: the listener program as its own OS process
/// (<see cref="ListenerProcess"/>), one message a second to that process's MX (true split: the
/// ingest's queue poll is on the path, as in Azure; <c>--feed-mx devhost</c>: the dev host's MX,
/// whose own poller it wakes) for <c>--feed-messages</c> seconds; each message's time from its <c>250</c> to the first
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
        var stages = new FeedStages(mailbox.MailboxId);
        var splitMx = !o.FeedViaDevHostMx;
        await using var listener = await ListenerProcess.StartAsync(stack, FeedStages.ListenerEnvironment(stack.Settings, splitMx), stages.OnListenerLine, splitMx);
        var mx = splitMx ? listener.SmtpPort : stack.Port("Smtp");
        await using var idler = await ImapConnection.ConnectAsync(listener.ImapPort);
        await idler.LoginAsync(mailbox.Address, BenchStack.Password);
        await idler.SelectAsync("INBOX");
        await idler.IdleAsync();
        var index = stack.Get<MailboxIndex>();
        index.FolderWritten += stages.OnFolderWritten;
        StageLog.Instance.Take();
        StageLog.Instance.Recording = true;
        var seen = new ConcurrentQueue<(int Count, long At)>();
        var flagged = new ConcurrentQueue<(int Number, long At)>();
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var line = await idler.ReadIdleLineAsync(stop.Token);
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                if (ExistsLine().Match(line) is { Success: true } m)
                {
                    seen.Enqueue((int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), now));
                }
                else if (FlaggedLine().Match(line) is { Success: true } f)
                {
                    flagged.Enqueue((int.Parse(f.Groups[1].Value, CultureInfo.InvariantCulture), now));
                }
            }
        });
        var clock = Stopwatch.StartNew();
        var sent = new long[o.FeedMessages];
        for (var k = 0; k < o.FeedMessages; k++)
        {
            var body = SmtpSender.Message("sender@remote.example", mailbox.Address, $"<feed{run}-{k}@bench.test>", 2048, "feed " + k);
            await SmtpSender.SendAsync(mx, "sender@remote.example", mailbox.Address, body);
            sent[k] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await UntilAsync(clock, (k + 1) * 1000.0);
        }
        await StorageWindow.WaitAsync(() => seen.LastOrDefault().Count >= o.FeedMessages, TimeSpan.FromSeconds(60));
        StageLog.Instance.Recording = false;
        index.FolderWritten -= stages.OnFolderWritten;
        var arrivals = seen.ToList();
        var each = Enumerable.Range(0, o.FeedMessages)
            .Select(k => arrivals.FirstOrDefault(a => a.Count >= k + 1) is { Count: > 0 } first ? Math.Max(0, first.At - sent[k]) : (double?)null).ToList();
        var latencies = each.OfType<double>().Order().ToList();
        var name = $"split: 250 → * n EXISTS on another process, {o.FeedMessages} messages at 1/s, via the {(splitMx ? "listener process's MX (as in Azure)" : "dev host's MX (its poller woken)")}";
        if (latencies.Count == 0)
        {
            report.NotMeasured(name + ", p99", "ms", Target.Max(1000), "no EXISTS arrived");
        }
        else
        {
            report.Add(name + ", p50", FeedStages.Pct(latencies, 0.50), "ms");
            report.Add(name + ", p99", FeedStages.Pct(latencies, 0.99), "ms", Target.Max(1000));
            report.Detail($"feed latency: {latencies.Count} of {o.FeedMessages} seen; min {latencies[0]:0} ms, max {latencies[^1]:0} ms; listener pid {listener.Pid}");
            var later = each.Skip(1).OfType<double>().Order().ToList();
            report.Detail($"the first message (the feed quiet before it): {each[0]:0} ms; the other {later.Count}: p50 {(later.Count > 0 ? FeedStages.Pct(later, 0.5) : 0):0} ms, p99 {(later.Count > 0 ? FeedStages.Pct(later, 0.99) : 0):0} ms");
            foreach (var line in stages.Describe(sent, arrivals, StageLog.Instance.Take()))
            {
                report.Detail(line);
            }
        }
        await FlagLatencyAsync(stack, o, report, mailbox, Math.Min(arrivals.LastOrDefault().Count, 20), flagged);
        await stop.CancelAsync();
        await reading.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>
    /// Target 3: a flag set through one listener process (the dev host's IMAP) reaches the IDLE
    /// session on the other (the listener process): one UID STORE a second, from its tagged OK to
    /// the idler's untagged FETCH with the flag.
    /// </summary>
    private static async Task FlagLatencyAsync(BenchStack stack, BenchOptions o, Report report, MailboxRecord mailbox, int messages, ConcurrentQueue<(int Number, long At)> flagged)
    {
        var name = $"split: flag set on one listener process → * n FETCH at an IDLE session on another, {messages} stores at 1/s";
        if (messages == 0)
        {
            report.NotMeasured(name + ", p99", "ms", Target.Max(1000), "no messages to flag");
            return;
        }
        await using var setter = await ImapConnection.ConnectAsync(stack.Port("Imap"));
        await setter.LoginAsync(mailbox.Address, BenchStack.Password);
        await setter.SelectAsync("INBOX");
        var stored = new long[messages];
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < messages; k++)
        {
            await setter.RunAsync($"UID STORE {k + 1} +FLAGS.SILENT (\\Flagged)");
            stored[k] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await UntilAsync(clock, (k + 1) * 1000.0);
        }
        await StorageWindow.WaitAsync(() => flagged.Count(f => f.Number <= messages) >= messages, TimeSpan.FromSeconds(30));
        var latencies = Enumerable.Range(0, messages)
            .Select(k => flagged.FirstOrDefault(f => f.Number == k + 1) is { Number: > 0 } f ? Math.Max(0, f.At - stored[k]) : (double?)null)
            .OfType<double>().Order().ToList();
        if (latencies.Count == 0)
        {
            report.NotMeasured(name + ", p99", "ms", Target.Max(1000), "no FETCH arrived");
            return;
        }
        report.Add(name + ", p50", FeedStages.Pct(latencies, 0.50), "ms");
        report.Add(name + ", p99", FeedStages.Pct(latencies, 0.99), "ms", Target.Max(1000));
        report.Detail($"flag latency: {latencies.Count} of {messages} seen; min {latencies[0]:0} ms, max {latencies[^1]:0} ms");
    }

    private static async Task UntilAsync(Stopwatch clock, double elapsedMs)
    {
        var wait = elapsedMs - clock.Elapsed.TotalMilliseconds;
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(wait));
        }
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

    [GeneratedRegex(@"^\* (\d+) EXISTS")]
    private static partial Regex ExistsLine();

    [GeneratedRegex(@"^\* (\d+) FETCH .*\\Flagged")]
    private static partial Regex FlaggedLine();
}

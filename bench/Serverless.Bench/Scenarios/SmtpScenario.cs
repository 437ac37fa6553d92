using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// SMTP to the MX port: N messages, one per connection, over C concurrent sessions (smtp-source
/// style), all to one mailbox. An IMAP client IDLEs on that INBOX and timestamps every EXISTS; at
/// the end it fetches each message's Message-ID, so every message's "250 → visible" latency is
/// known exactly (the k-th message by UID became visible at the first EXISTS ≥ k).
/// </summary>
internal static partial class SmtpScenario
{
    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run, bool imap)
    {
        var mailbox = await stack.CreateMailboxAsync($"smtp{run}");
        var clock = Stopwatch.StartNew();
        var bodies = Enumerable.Range(0, o.Messages)
            .Select(i => SmtpSender.Message("sender@client.test", mailbox.Address, $"bench-{run}-{i}@client.test", o.MessageSize, $"Benchmark message {i}", o.WordBodies))
            .ToArray();
        var accepted = new double[o.Messages];

        ImapConnection? watcher = null;
        var exists = new ConcurrentQueue<(int Count, double At)>();
        Task? watching = null;
        using var stopWatching = new CancellationTokenSource();
        if (imap)
        {
            watcher = await ImapConnection.ConnectAsync(stack.Port("Imap"));
            await watcher.LoginAsync(mailbox.Address, BenchStack.Password);
            await watcher.SelectAsync("INBOX");
            await watcher.IdleAsync();
            watching = Task.Run(async () =>
            {
                while (true)
                {
                    var line = await watcher.ReadIdleLineAsync(stopWatching.Token);
                    var m = ExistsLine().Match(line);
                    if (m.Success)
                    {
                        var n = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                        exists.Enqueue((n, clock.Elapsed.TotalMilliseconds));
                        if (n >= o.Messages)
                        {
                            return;
                        }
                    }
                }
            });
        }

        var marks = DrainMarks(stack);
        var storage = new StorageWindow(stack.Meter);
        var grouping = Serverless.Mail.Queues.MailQueues.InboundGrouping;
        var limits = Serverless.Mail.Queues.MailQueues.InboundGroupLimits;
        var cpu = new CpuWindow();
        var next = -1;
        var start = clock.Elapsed.TotalMilliseconds;
        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < o.Messages)
            {
                await SmtpSender.SendAsync(stack.Port("Smtp"), "sender@client.test", mailbox.Address, bodies[i]);
                accepted[i] = clock.Elapsed.TotalMilliseconds;
            }
        })));
        var acceptedSeconds = (accepted.Max() - start) / 1000;
        report.Detail("while sending: " + cpu.Describe(o.Messages));
        report.Add($"SMTP accepted ({o.MessageSize / 1024} KiB, {o.Concurrency} sessions, 1 message/connection)", o.Messages / acceptedSeconds, "msg/s",
            o.MessageSize == 10 * 1024 && o.Concurrency == 4 ? Target.Min(300) : null);

        // Every hand-off filed and its queue message deleted.
        var drained = await WaitDrainedAsync(stack, marks, o.Messages, TimeSpan.FromSeconds(60 + (o.Messages * 0.05)));
        var ingestSeconds = (clock.Elapsed.TotalMilliseconds - start) / 1000;
        // Sending and ingest together: what each accepted message cost in storage requests, by kind,
        // and how many hand-offs shared an inbound queue message (MailQueues.Group.cs).
        report.Detail("storage requests per message, by kind: " + StorageWindow.Describe(storage.Delta(), stack.Prefix, o.Messages));
        var grouped = Serverless.Mail.Queues.MailQueues.InboundGrouping;
        var (handoffs, messages) = (grouped.Handoffs - grouping.Handoffs, grouped.Messages - grouping.Messages);
        report.Detail(messages == 0 ? "hand-offs sent alone (grouping off)"
            : $"hand-offs per inbound queue message: {(double)handoffs / messages:0.00} ({handoffs} hand-offs in {messages} queue messages)");
        var limited = Serverless.Mail.Queues.MailQueues.InboundGroupLimits;
        if (messages > 0)
        {
            // What ended the groups: the JSON byte cap (a waiting hand-off did not fit and took the next
            // queue message) or simply how many sessions were waiting (MailQueues.Group.cs).
            report.Detail($"inbound queue message JSON: {(double)(limited.Bytes - limits.Bytes) / messages / 1024:0.0} KiB on average "
                + $"({(double)(limited.Bytes - limits.Bytes) / handoffs / 1024:0.0} KiB per hand-off; cap {Serverless.Mail.Queues.MailQueues.MaxMessageJsonBytes / 1024} KiB); "
                + $"groups closed by the cap: {limited.ClosedFull - limits.ClosedFull}, hand-offs that went in a second queue message for it: {limited.LeftOver - limits.LeftOver}");
        }
        if (!drained)
        {
            report.Detail($"the ingest did not finish {o.Messages} messages within the deadline");
        }
        if (watcher is null || watching is null)
        {
            report.NotMeasured("Visible over IMAP (end to end)", "msg/s", Target.Min(170), "IMAP listener not available");
            report.NotMeasured("Latency 250 → visible in IMAP, p50", "ms", Target.Max(100), "IMAP listener not available");
            report.NotMeasured("Latency 250 → visible in IMAP, p99", "ms", Target.Max(1000), "IMAP listener not available");
            report.Detail($"ingested (queue messages deleted) after {ingestSeconds:0.0} s: {o.Messages / ingestSeconds:0} msg/s end to end");
            return;
        }

        var done = await Task.WhenAny(watching, Task.Delay(TimeSpan.FromSeconds(30)));
        await stopWatching.CancelAsync();
        var timeline = exists.ToArray();
        var last = timeline.Length == 0 ? (Count: 0, At: double.NaN) : timeline[^1];
        if (done != watching || last.Count < o.Messages)
        {
            report.Detail($"IMAP saw {last.Count} of {o.Messages} messages");
        }
        await using (var reader = await ImapConnection.ConnectAsync(stack.Port("Imap")))
        {
            await reader.LoginAsync(mailbox.Address, BenchStack.Password);
            await reader.SelectAsync("INBOX");
            var lines = await reader.RunAsync("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])", keepLiterals: true);
            var latencies = new List<double>();
            foreach (var line in lines)
            {
                var seq = SeqOf().Match(line.Text);
                var id = line.Literals.Count > 0 ? MessageIdOf().Match(line.Literals[0]) : Match.Empty;
                if (!seq.Success || !id.Success)
                {
                    continue;
                }
                var k = int.Parse(seq.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                var i = int.Parse(id.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                var visibleAt = timeline.FirstOrDefault(e => e.Count >= k);
                if (visibleAt.Count >= k)
                {
                    latencies.Add(Math.Max(0, visibleAt.At - accepted[i]));
                }
            }
            await reader.LogoutAsync();
            report.Add($"Visible over IMAP, end to end ({o.MessageSize / 1024} KiB, {o.Concurrency} sessions)", last.Count / ((last.At - start) / 1000), "msg/s",
                o.MessageSize == 10 * 1024 && o.Concurrency == 4 ? Target.Min(170) : null);
            latencies.Sort();
            report.Add("Latency 250 → visible in IMAP, p50", Percentile(latencies, 0.50), "ms", Target.Max(100));
            report.Add("Latency 250 → visible in IMAP, p95", Percentile(latencies, 0.95), "ms");
            report.Add("Latency 250 → visible in IMAP, p99", Percentile(latencies, 0.99), "ms", Target.Max(1000));
            report.Detail($"latencies from {latencies.Count} messages; max {latencies.LastOrDefault():0} ms");
        }
        await watcher.DisposeAsync();
    }

    /// <summary>Deletes of inbound queue messages (the ingest's last step for each), from the host's meter.</summary>
    public static long InboundDeletes(BenchStack stack) =>
        stack.Meter.DetailedSnapshot().Where(kv => kv.Key.Service == "queue" && kv.Key.Operation == "DELETEMessage" && kv.Key.Resource == stack.Prefix + "-inbound")
            .Sum(kv => kv.Value.Requests);

    /// <summary>
    /// Waits until <paramref name="count"/> messages sent since the marks were filed and every inbound
    /// queue message that carried them was deleted (so a storage window closed now holds the deletes too).
    /// </summary>
    public static async Task<bool> WaitDrainedAsync(BenchStack stack, (long Filed, long Deletes, (long Handoffs, long Messages) Grouping) before, int count, TimeSpan timeout)
    {
        var filed = await StorageWindow.WaitAsync(() => IngestedCount(stack) - before.Filed >= count, timeout);
        var grouped = Serverless.Mail.Queues.MailQueues.InboundGrouping.Messages - before.Grouping.Messages;
        var queueMessages = grouped > 0 ? grouped : count; // grouping off: one queue message each
        return await StorageWindow.WaitAsync(() => InboundDeletes(stack) - before.Deletes >= queueMessages, TimeSpan.FromSeconds(10)) && filed;
    }

    /// <summary>Where the counters of <see cref="WaitDrainedAsync"/> stand now.</summary>
    public static (long Filed, long Deletes, (long Handoffs, long Messages) Grouping) DrainMarks(BenchStack stack) =>
        (IngestedCount(stack), InboundDeletes(stack), Serverless.Mail.Queues.MailQueues.InboundGrouping);

    /// <summary>
    /// Copies the in-process ingest has filed (<c>mail.messages.filed</c>; the bench's messages have
    /// one recipient each). Not the inbound queue's deletes: one deleted queue message may carry
    /// several hand-offs now (MailQueues.Group.cs).
    /// </summary>
    public static long IngestedCount(BenchStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        FiledListener.Value.RecordObservableInstruments();
        return Interlocked.Read(ref s_filed);
    }

    private static long s_filed;

    private static readonly Lazy<System.Diagnostics.Metrics.MeterListener> FiledListener = new(() =>
    {
        var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Serverless.Mail.Hosting.MailMetrics.MeterName && instrument.Name == "mail.messages.filed")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref s_filed, value));
        listener.Start();
        return listener;
    });

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    [GeneratedRegex(@"^\* (\d+) EXISTS")]
    private static partial Regex ExistsLine();

    [GeneratedRegex(@"^\* (\d+) FETCH")]
    private static partial Regex SeqOf();

    [GeneratedRegex(@"bench-\d+-(\d+)@")]
    private static partial Regex MessageIdOf();
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Storage;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Reliability.Tests.Load;

/// <summary>
/// The first promise of a mail provider: a message accepted with 250 is filed exactly once in
/// every mailbox it is for. Many messages over 20 concurrent SMTP sessions to the real MX
/// listener, to a mix of mailboxes, aliases (fan-out), a recipient named twice through an alias,
/// and two tenants; the dev host's ingest function files them. Then, per mailbox, the count and the
/// set of Message-IDs must equal what was accepted for it — nothing missing, nothing twice, nothing
/// extra. ./test.sh runs 400 messages; the full run is
/// <c>RELIABILITY_LOAD_MESSAGES=10000 scripts/load.sh</c> (docs/reliability.md has the figures).
/// </summary>
public sealed class ExactlyOnceLoadTests(ITestOutputHelper output)
{
    /// <summary>Recipient sets, used in turn, and the mailboxes each one must reach (one copy each).</summary>
    private static readonly (string[] Rcpt, string[] Mailboxes)[] Mix =
    [
        (["alice@acme.test"], ["alice@acme.test"]),
        (["bob@acme.test"], ["bob@acme.test"]),
        (["carol@acme.test"], ["carol@acme.test"]),
        (["team@acme.test"], ["alice@acme.test", "bob@acme.test"]),
        (["sales@acme.test"], ["carol@acme.test"]),
        (["alice@acme.test", "team@acme.test"], ["alice@acme.test", "bob@acme.test"]), // alice twice: still one copy
        (["dave@globex.test"], ["dave@globex.test"]),
        (["ops@globex.test", "carol@acme.test"], ["dave@globex.test", "carol@acme.test"]), // two tenants, one message
    ];

    [Fact]
    public async Task Every_accepted_message_is_filed_exactly_once_in_every_mailbox_it_is_for()
    {
        var total = EnvInt("RELIABILITY_LOAD_MESSAGES", 400);
        var sessions = EnvInt("RELIABILITY_LOAD_SESSIONS", 20);
        var logs = new LogCapture(); // warnings and errors of the stack, for the failure message
        await using var stack = await MailStack.StartAsync(logging: l => l.AddProvider(logs));
        var run = Guid.NewGuid().ToString("N")[..8];
        var expected = stack.Mailboxes.ToDictionary(m => m.Address, _ => new ConcurrentDictionary<string, byte>(), StringComparer.OrdinalIgnoreCase);
        var refused = new ConcurrentBag<string>();
        var meter = stack.Get<StorageRequestMeter>();
        var before = meter.Snapshot();
        var next = -1;
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, sessions).Select(_ => Task.Run(async () =>
        {
            SmtpSender? sender = null;
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var (rcpt, mailboxes) = Mix[i % Mix.Length];
                var id = $"load-{i}-{run}@client.reliability.test";
                SmtpWireReply? reply;
                try
                {
                    sender ??= await SmtpSender.ConnectAsync(stack.SmtpPort);
                    reply = await sender.SendAsync("sender@client.reliability.test", rcpt, SmtpSender.Message(id, $"load {i}", string.Join(", ", rcpt)));
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    refused.Add($"{i}: connection lost or no reply within {Wire.ReadTimeout.TotalSeconds:0} s ({e.GetType().Name}: {e.Message})");
                    sender = null; // a new session for the next message
                    continue;
                }
                if (reply is null)
                {
                    sender = null;
                }
                if (reply?.Code == 250)
                {
                    foreach (var m in mailboxes)
                    {
                        expected[m][$"<{id}>"] = 0;
                    }
                }
                else
                {
                    refused.Add($"{i}: {reply?.Text ?? "connection lost"}");
                }
            }
            if (sender is not null)
            {
                await sender.DisposeAsync();
            }
        })));
        var accepted = clock.Elapsed;
        var expectedCopies = expected.Sum(e => e.Value.Count);
        // Under ordinary load nothing is refused: a 4xx here is a fault, not a figure.
        Assert.True(refused.IsEmpty, $"{refused.Count} message(s) refused: {string.Join("; ", refused.Take(5))}; the stack logged: " +
            string.Join(" || ", logs.Entries.Where(e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Warning", StringComparison.Ordinal)).Take(5)));

        // Wait until the ingest has drained the queue (the count includes hand-offs being processed): one cheap
        // request per poll, so the waiting does not slow the ingest down. Then count what was filed.
        var storage = stack.Get<MailStorage>();
        await Poll.UntilAsync(async () => (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(60 + (total / 10)), 250);
        var filedIn = clock.Elapsed;
        await Poll.UntilAsync(async () => await FiledAsync(stack), n => n >= expectedCopies, TimeSpan.FromSeconds(30), 1000);
        var after = meter.Snapshot();

        foreach (var (address, ids) in expected)
        {
            var messages = await stack.MessagesAsync(address);
            var got = messages.Select(m => m.Summary?.Envelope.MessageId ?? "(no summary)").ToList();
            var duplicates = got.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}").ToList();
            Assert.True(duplicates.Count == 0, $"{address}: filed more than once: {string.Join(", ", duplicates.Take(10))}");
            var missing = ids.Keys.Except(got).ToList();
            Assert.True(missing.Count == 0, $"{address}: {missing.Count} accepted message(s) missing, e.g. {string.Join(", ", missing.Take(5))}");
            var extra = got.Except(ids.Keys).ToList();
            Assert.True(extra.Count == 0, $"{address}: {extra.Count} message(s) nobody sent it, e.g. {string.Join(", ", extra.Take(5))}");
            Assert.Equal(ids.Count, messages.Count);
        }
        Assert.Equal(0, (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var requests = after.Sum(kv => kv.Value - before.GetValueOrDefault(kv.Key));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FIGURES load: {total} messages over {sessions} SMTP sessions, {expectedCopies} copies in {expected.Count} mailboxes; " +
            $"accepted in {accepted.TotalSeconds:0.0} s ({total / accepted.TotalSeconds:0} msg/s); all filed after {filedIn.TotalSeconds:0.0} s " +
            $"({total / filedIn.TotalSeconds:0} msg/s end to end); {(double)requests / total:0.00} storage requests per message (idle polls included); " +
            $"refused {refused.Count}; duplicates 0; missing 0"));
    }

    private static async Task<int> FiledAsync(MailStack stack)
    {
        var n = 0;
        foreach (var m in stack.Mailboxes)
        {
            n += (await stack.MessagesAsync(m.Address)).Count;
        }
        return n;
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Serverless.Mail.Storage;
using Serverless.Reliability.Tests.Infrastructure;
using Serverless.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Reliability.Tests.Faults;

/// <summary>
/// Azurite is stopped in the middle of a load (SMTP senders and POP3 readers running) and started
/// again a few seconds later. While it is down every answer is temporary — SMTP 4xx, POP3
/// <c>-ERR [SYS/TEMP]</c> (or <c>[IN-USE]</c> while a lock left by a cut session runs out), IMAP <c>NO [UNAVAILABLE]</c> — never a
/// permanent refusal, and no listener dies; when storage is back the same processes serve again
/// without any help, and every message that got 250, before, during or after, is filed exactly once.
/// </summary>
public sealed class StorageOutageUnderLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Storage_down_during_load_gives_only_temporary_answers_then_service_resumes_and_nothing_accepted_is_lost()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        // The outage: every connection to storage is cut (the tap) and the Azurite process is stopped with
        // SIGSTOP, then continued with SIGCONT. (Ending the process instead loses writes it acknowledged just
        // before its exit-time save — an artefact of the emulator that a storage account does not have.)
        await using var tap = StorageTap.Start(azurite.ConnectionString);
        await using var stack = await MailStack.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Storage:ConnectionString"] = tap.ConnectionString,
            ["Mail:DevHost:Queues:ProcessingVisibility"] = "00:00:05",
            ["Mail:Pop3:LeaseDuration"] = "00:00:05",
        });
        var accepted = new ConcurrentDictionary<string, byte>();
        var uncertain = new ConcurrentDictionary<string, byte>(); // answered 4xx, or the connection broke before an answer
        var smtpAnswers = new ConcurrentDictionary<int, int>();
        var pop3Errors = new ConcurrentBag<string>();
        var pop3Ok = 0;
        var reconnects = 0;
        var phase = "before"; // before → down → after
        var okAfterRestart = new ConcurrentDictionary<int, byte>();
        using var stop = new CancellationTokenSource();
        const int senders = 6;

        var smtp = Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            var n = 0;
            SmtpSender? session = null;
            while (!stop.IsCancellationRequested)
            {
                var id = $"outage-{s}-{n++}@client.reliability.test";
                try
                {
                    session ??= await SmtpSender.ConnectAsync(stack.SmtpPort);
                    var reply = await session.SendAsync("sender@client.reliability.test", ["alice@acme.test"], SmtpSender.Message(id, "outage", "alice@acme.test"));
                    if (reply is null)
                    {
                        uncertain[$"<{id}>"] = 0;
                        await session.DisposeAsync();
                        session = null;
                        Interlocked.Increment(ref reconnects);
                        continue;
                    }
                    smtpAnswers.AddOrUpdate(reply.Code, 1, (_, c) => c + 1);
                    if (reply.Code == 250)
                    {
                        accepted[$"<{id}>"] = 0;
                        if (Volatile.Read(ref phase) == "after")
                        {
                            okAfterRestart[s] = 0;
                        }
                    }
                    else
                    {
                        uncertain[$"<{id}>"] = 0;
                    }
                    if (reply.Code == 421)
                    {
                        await session.DisposeAsync();
                        session = null;
                    }
                    else if (reply.Code != 250)
                    {
                        await Task.Delay(50);
                    }
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    uncertain[$"<{id}>"] = 0;
                    if (session is not null)
                    {
                        await session.DisposeAsync();
                    }
                    session = null;
                    Interlocked.Increment(ref reconnects);
                    await Task.Delay(100);
                }
            }
            if (session is not null)
            {
                await session.DisposeAsync();
            }
        })).ToList();

        var imapAnswers = new ConcurrentBag<string>();
        var imapOk = 0;
        var imap = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var wire = await Wire.ConnectAsync(stack.ImapPort);
                await wire.ReadLineAsync();
                var completions = new List<string>();
                try
                {
                    foreach (var (tag, command) in new[] { ("a", $"LOGIN carol@acme.test \"{MailStack.Password}\""), ("b", "SELECT INBOX"), ("c", "FETCH 1:* (FLAGS)"), ("d", "LOGOUT") })
                    {
                        await wire.LineAsync($"{tag} {command}");
                        var lines = await wire.ImapUntilTaggedAsync(tag);
                        completions.Add(lines[^1]);
                        if (!lines[^1].StartsWith(tag + " OK", StringComparison.Ordinal))
                        {
                            break;
                        }
                    }
                }
                catch (IOException)
                {
                    completions.Add("(connection closed)");
                }
                foreach (var c in completions.Where(c => !c.Contains(" OK", StringComparison.Ordinal)))
                {
                    imapAnswers.Add(c);
                }
                if (completions.Count == 4 && completions.All(c => c.Contains(" OK", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref imapOk);
                }
                await Task.Delay(100);
            }
        });

        var pop3 = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var wire = await Wire.ConnectAsync(stack.Pop3Port);
                var lines = new List<string?> { await wire.ReadLineAsync() };
                await wire.LineAsync("USER bob@acme.test");
                lines.Add(await wire.ReadLineAsync());
                await wire.LineAsync("PASS " + MailStack.Password);
                var pass = await wire.ReadLineAsync();
                lines.Add(pass);
                if (pass?.StartsWith("+OK", StringComparison.Ordinal) == true)
                {
                    await wire.LineAsync("STAT");
                    lines.Add(await wire.ReadLineAsync());
                }
                await wire.LineAsync("QUIT");
                lines.Add(await wire.ReadLineAsync());
                foreach (var l in lines.Where(l => l is not null && !l.StartsWith("+OK", StringComparison.Ordinal)))
                {
                    pop3Errors.Add(l!);
                }
                if (lines.Count(l => l?.StartsWith("+OK", StringComparison.Ordinal) == true) == lines.Count)
                {
                    Interlocked.Increment(ref pop3Ok);
                }
                await Task.Delay(100);
            }
        });

        var clock = Stopwatch.StartNew();
        await Poll.UntilAsync(() => Task.FromResult(accepted.Count), n => n >= 30, TimeSpan.FromSeconds(30));
        Volatile.Write(ref phase, "down");
        tap.Cut();
        await Signal("STOP", azurite.ProcessId!.Value);
        var downAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(4)); // the load goes on against a dead storage account
        var acceptedWhileDown = accepted.Count;
        await Signal("CONT", azurite.ProcessId!.Value);
        tap.Restore();
        Volatile.Write(ref phase, "after");
        var upAt = clock.Elapsed;
        // Recovery by itself: every sender gets 250 again, with no restart of anything.
        await Poll.UntilAsync(() => Task.FromResult(okAfterRestart.Count), n => n == senders, TimeSpan.FromSeconds(90), 200);
        var recoveredAt = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(smtp);
        await pop3;
        await imap;

        Assert.Equal(senders, okAfterRestart.Count);
        Assert.True(smtpAnswers.Keys.All(c => c == 250 || c is >= 400 and < 500), "SMTP answers: " + string.Join(", ", smtpAnswers.Select(kv => $"{kv.Key} x{kv.Value}")));
        Assert.Contains(smtpAnswers.Keys, c => c is >= 400 and < 500); // the outage was felt, and answered as temporary
        Assert.All(pop3Errors, e => Assert.Matches(@"^-ERR \[(SYS/TEMP|IN-USE)\]", e));
        Assert.Contains(pop3Errors, e => e.StartsWith("-ERR [SYS/TEMP]", StringComparison.Ordinal));
        Assert.True(pop3Ok > 0);
        // IMAP: a failed command while storage is down is NO [UNAVAILABLE] (or the session ends with BYE); never a permanent refusal.
        Assert.All(imapAnswers, a => Assert.True(a.Contains("[UNAVAILABLE]", StringComparison.Ordinal) || a.Contains("(connection closed)", StringComparison.Ordinal), a));
        Assert.True(imapOk > 0);

        // Nothing accepted is lost, nothing is filed twice.
        var storage = stack.Get<MailStorage>();
        var filed = await Poll.UntilAsync(() => stack.MessagesAsync("alice@acme.test"), l => l.Count >= accepted.Count, TimeSpan.FromSeconds(90), 250);
        await Poll.UntilAsync(async () => (await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, TimeSpan.FromSeconds(60), 250);
        filed = await stack.MessagesAsync("alice@acme.test");
        var ids = filed.Select(m => m.Summary?.Envelope.MessageId ?? "").ToList();
        var missing = accepted.Keys.Except(ids).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} accepted message(s) not filed: {string.Join(", ", missing)}; {await WhereAsync(stack, missing)}");
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // A message answered 451 may still arrive, once: storage took the hand-off but the answer was lost with the
        // connection, so the listener could not know (and could not take it back while storage was down). SMTP's
        // retry then makes a second copy — the classic duplicate, never a loss. Anything else extra is a bug.
        var extra = ids.Except(accepted.Keys).ToList();
        Assert.True(extra.All(uncertain.ContainsKey), "filed but never sent or answered: " + string.Join(", ", extra.Where(x => !uncertain.ContainsKey(x))));
        Assert.Equal(0, (await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"FIGURES outage: storage down {(upAt - downAt).TotalSeconds:0.0} s; {accepted.Count} messages accepted ({acceptedWhileDown} by the time storage came back), all filed once; " +
            $"{extra.Count} of {uncertain.Count} answered 451 were filed anyway (storage took them as the connection broke); " +
            $"SMTP answers {string.Join(", ", smtpAnswers.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} x{kv.Value}"))}; reconnects {reconnects}; " +
            $"POP3 errors {string.Join(", ", pop3Errors.GroupBy(e => e[..Math.Min(16, e.Length)]).Select(g => $"'{g.Key}' x{g.Count()}"))}; " +
            $"IMAP refusals {string.Join(", ", imapAnswers.GroupBy(a => a.Contains("[UNAVAILABLE]", StringComparison.Ordinal) ? "NO [UNAVAILABLE]" : a).Select(g => $"'{g.Key}' x{g.Count()}"))}, IMAP sessions OK {imapOk}; " +
            $"every sender back to 250 {(recoveredAt - upAt).TotalSeconds:0.0} s after storage returned"));
    }

    /// <summary>For a failure message: where the missing messages are (another folder, a blob nobody filed, a queue).</summary>
    private static async Task<string> WhereAsync(MailStack stack, List<string> missing)
    {
        var notes = new List<string>();
        for (var folder = 1; folder <= 6; folder++)
        {
            var found = (await stack.MessagesAsync("alice@acme.test", folder)).Where(m => missing.Contains(m.Summary?.Envelope.MessageId ?? "")).ToList();
            if (found.Count > 0)
            {
                notes.Add($"{found.Count} in folder {folder}");
            }
        }
        var storage = stack.Get<MailStorage>();
        await foreach (var b in storage.Messages.GetBlobsAsync())
        {
            var text = (await storage.Messages.GetBlobClient(b.Name).DownloadContentAsync()).Value.Content.ToString();
            foreach (var id in missing.Where(id => text.Contains(id, StringComparison.Ordinal)))
            {
                notes.Add($"blob {b.Name} holds {id}");
            }
        }
        notes.Add($"inbound {(await storage.Inbound.GetPropertiesAsync()).Value.ApproximateMessagesCount}, poison {(await storage.InboundPoison.GetPropertiesAsync()).Value.ApproximateMessagesCount}");
        var visible = (await storage.Inbound.PeekMessagesAsync(5)).Value;
        notes.Add("visible hand-offs: " + string.Join(", ", visible.Select(m => $"dequeued {m.DequeueCount}x")));
        if (visible.Length > 0)
        {
            var ingest = stack.Get<Serverless.Mail.Delivery.InboundIngest>();
            var run = ingest.IngestAsync(visible[0].Body.ToString());
            var done = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(15))) == run;
            notes.Add(done ? $"an ingest called directly now: {(run.IsFaulted ? run.Exception!.InnerException!.Message : run.Result.ToString())}" : "an ingest called directly now hangs");
        }
        return string.Join("; ", notes);
    }

    private static async Task Signal(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}

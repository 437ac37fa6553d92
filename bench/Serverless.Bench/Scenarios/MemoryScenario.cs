using System.Net;
using Serverless.Bench.Clients;
using Serverless.Bench.Stack;
using Serverless.Mail.Accounts;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// Resident memory of a separate listener process (the container's program) with no client and
/// with N idle IMAP connections, each after LOGIN + SELECT INBOX + IDLE, spread over up to 100
/// mailboxes. Plaintext on loopback by default; <c>--idle-tls</c> makes them over IMAPS,
/// <c>--idle-starttls</c> over IMAP upgraded with STARTTLS.
/// </summary>
internal static class MemoryScenario
{
    private const int Mailboxes = 100;

    public static async Task RunAsync(BenchStack stack, BenchOptions o, Report report, int run, bool imap)
    {
        var kind = o.IdleTls ? "IMAPS (TLS)" : o.IdleStartTls ? "IMAP+STARTTLS" : "IMAP";
        var name = $"Listener RSS with {o.IdleConnections:#,0} idle {kind} connections";
        if (!imap)
        {
            report.NotMeasured(name, "MB", o.IdleConnections == 10_000 ? Target.Max(300) : null, "IMAP listener not available");
            return;
        }
        var mailboxes = new MailboxRecord[Math.Min(Mailboxes, o.IdleConnections)];
        await Parallel.ForEachAsync(Enumerable.Range(0, mailboxes.Length), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => mailboxes[i] = await stack.CreateMailboxAsync($"idle{run}x{i}"));
        await using var listener = await ListenerProcess.StartAsync(stack);

        // Warm the code paths once, then the baseline.
        var port = o.IdleTls ? listener.ImapsPort : listener.ImapPort;
        await using (var warm = await ImapConnection.ConnectAsync(port, tls: o.IdleTls, startTls: o.IdleStartTls))
        {
            await warm.LoginAsync(mailboxes[0].Address, BenchStack.Password);
            await warm.SelectAsync("INBOX");
            await warm.IdleAsync();
            await warm.DoneAsync();
            await warm.LogoutAsync();
        }
        await Task.Delay(1000);
        var baseline = listener.ResidentBytes();
        report.Add("Listener RSS with 0 connections", baseline / 1e6, "MB");

        var clients = new ImapConnection[o.IdleConnections];
        var opened = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, o.IdleConnections), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            // Several loopback source addresses keep the ephemeral ports of one address plentiful.
            var local = IPAddress.Parse($"127.0.{1 + (i / 20_000)}.{1 + (i % 200)}");
            var c = await ImapConnection.ConnectAsync(port, local, o.IdleTls, o.IdleStartTls, cancellationToken: ct);
            var m = mailboxes[i % mailboxes.Length];
            await c.LoginAsync(m.Address, BenchStack.Password, ct);
            await c.SelectAsync("INBOX", ct);
            await c.IdleAsync(ct);
            clients[i] = c;
            Interlocked.Increment(ref opened);
        });
        var openSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(3000);
        var loaded = listener.ResidentBytes();
        var perConnection = (double)(loaded - baseline) / opened;
        report.Add(name, loaded / 1e6, "MB", o.IdleConnections == 10_000 ? Target.Max(300) : null,
            o.IdleConnections == 10_000 ? null : $"extrapolated to 10,000: {(baseline + (perConnection * 10_000)) / 1e6:0} MB (target ≤ 300)");
        report.Add($"Listener memory per idle {kind} connection", perConnection / 1024, "KiB");
        report.Detail($"{opened:#,0} connections logged in, selected and idling after {openSeconds:0.0} s ({opened / openSeconds:0}/s); listener pid {listener.Pid}");
        if (o.IdleHoldSeconds > 0)
        {
            Console.WriteLine($"  holding the connections {o.IdleHoldSeconds} s (--idle-hold): e.g. dotnet-gcdump collect -p {listener.Pid}; /proc/{listener.Pid}/smaps");
            await Task.Delay(TimeSpan.FromSeconds(o.IdleHoldSeconds));
        }
        foreach (var c in clients)
        {
            if (c is not null)
            {
                await c.DisposeAsync();
            }
        }
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using Serverless.Bench.Scenarios;
using Serverless.Bench.Stack;

namespace Serverless.Bench;

/// <summary>Starts storage and the stack, runs the chosen phases (each <see cref="BenchOptions.Runs"/> times) and prints the table.</summary>
internal static class BenchRun
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var clock = Stopwatch.StartNew();
        PrintMachine();
        BenchAzurite? azurite = null;
        var connectionString = options.Storage;
        if (connectionString is null)
        {
            azurite = await BenchAzurite.StartAsync();
            connectionString = azurite.ConnectionString;
            AzuriteCpu.Processes = azurite.Processes;
            Console.WriteLine($"Azurite (in-memory) started: {string.Join(", ", azurite.Processes.Select(p => $"{p.Service} pid {p.Pid}"))}");
        }
        var report = new Report();
        var failed = false;
        try
        {
            if (options.Has("tls-floor"))
            {
                await Phase("Idle TLS floor: a bare SslStream server", () => TlsFloorScenario.RunAsync(options, report));
            }
            if (options.Has("azurite"))
            {
                await Phase("Azurite alone (Azure SDK, no service code)", () => AzuriteLimits.RunAsync(connectionString, report));
            }
            // Every DNS query of the stack goes through this forwarder; only smtp-slowdns delays it.
            using var slowDns = options.Has("smtp-slowdns") ? SlowDnsProxy.Start() : null;
            var settings = new Dictionary<string, string?>(options.Settings);
            if (slowDns is not null)
            {
                settings.TryAdd("Mail:Dns:Servers", slowDns.Setting);
            }
            await using var stack = await BenchStack.StartAsync(connectionString, settings);
            if (slowDns is not null)
            {
                slowDns.Upstream = stack.Dns.EndPoint;
            }
            foreach (var (k, v) in options.Settings)
            {
                Console.WriteLine($"setting {k}={v}");
            }
            Console.WriteLine($"dev host in-process: SMTP {stack.Port("Smtp")}, submission {stack.Port("Submission")}, IMAP {stack.Port("Imap")}, POP3 {stack.Port("Pop3")}");
            var imap = await ImapProbe.IsAvailableAsync(stack);
            if (!imap)
            {
                Console.WriteLine("  the IMAP listener does not answer LOGIN + SELECT: IMAP figures are reported as not measured");
                failed = true;
            }
            for (var run = 1; run <= options.Runs; run++)
            {
                Console.WriteLine(options.Runs > 1 ? $"=== run {run} of {options.Runs}" : "");
                if (options.Has("smtp"))
                {
                    await Phase("SMTP in, visible over IMAP", () => SmtpScenario.RunAsync(stack, options, report, run, imap));
                }
                if (options.Has("smtp-slowdns") && slowDns is not null)
                {
                    await Phase("MX with a slow resolver", () => SlowDnsScenario.RunAsync(stack, slowDns, options, report, run));
                }
                if (options.Has("inbound-cost"))
                {
                    await Phase("Storage transactions per inbound message", () => InboundCostScenario.RunAsync(stack, options, report, run));
                }
                if (options.Has("imap-cost"))
                {
                    await Phase("Storage transactions per IMAP command", () => ImapCostScenario.RunAsync(stack, report, run, imap));
                }
                if (options.Has("imap-mixed"))
                {
                    await Phase("IMAP mixed workload", () => ImapMixedScenario.RunAsync(stack, options, report, run, imap));
                }
                if (options.Has("pop3"))
                {
                    await Phase("POP3 RETR", () => Pop3Scenario.RunAsync(stack, options, report, run));
                }
                if (options.Has("compare"))
                {
                    await Phase($"Side by side with {options.PeerName}", () => PeerComparison.RunAsync(stack, options, report, run));
                }
                if (options.Has("imaptest"))
                {
                    await Phase("Dovecot's imaptest, stress mode", () => ImaptestScenario.RunAsync(stack, options, report, run));
                }
                if (options.Has("outbound"))
                {
                    await Phase("Outbound delivery", () => OutboundScenario.RunAsync(stack, options, report, run));
                }
                if (options.Has("select"))
                {
                    await Phase("SELECT of large folders", () => SelectScenario.RunAsync(stack, options, report, run, imap));
                }
                if (options.Has("feed"))
                {
                    await Phase("Change feed, split like Azure", () => FeedScenario.RunAsync(stack, options, report, run));
                }
                if (options.Has("memory"))
                {
                    await Phase("Listener memory with idle IMAP connections", () => MemoryScenario.RunAsync(stack, options, report, run, imap));
                }
            }
        }
        catch (Exception e)
        {
            failed = true;
            Console.Error.WriteLine("benchmark failed: " + e);
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }
        }
        Console.WriteLine();
        Console.WriteLine($"Figures ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {clock.Elapsed.TotalSeconds:0} s, load average at the end {LoadAverage()}):");
        Console.WriteLine(report.Table(markdown: false));
        var comparison = Comparison.Table(report.Comparisons, options.PeerName, markdown: false);
        if (comparison.Length > 0)
        {
            Console.WriteLine($"Side by side ({options.PeerName} at {options.PeerHost}; ratio ours / peer of the medians):");
            Console.WriteLine(comparison);
        }
        if (options.MarkdownOut is not null)
        {
            var markdown = report.Table(markdown: true) + Environment.NewLine;
            if (comparison.Length > 0)
            {
                markdown += Comparison.Table(report.Comparisons, options.PeerName, markdown: true) + Environment.NewLine;
            }
            await File.WriteAllTextAsync(options.MarkdownOut, markdown + string.Join(Environment.NewLine, report.Details.Select(d => "- " + d)) + Environment.NewLine);
        }
        return failed ? 1 : 0;

        async Task Phase(string name, Func<Task> body)
        {
            Console.WriteLine($"\n## {name}  (load average {LoadAverage()})");
            var t = Stopwatch.StartNew();
            var self = Environment.ProcessId;
            var temporary = Clients.SmtpSender.TemporaryFailures;
            var cpuSelf = ProcessCpu.Seconds(self);
            var cpuAzurite = new AzuriteCpu();
            try
            {
                await body();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                report.Detail($"{name} failed: {e.GetType().Name}: {e.Message}");
                failed = true;
            }
            var wall = t.Elapsed.TotalSeconds;
            if (Clients.SmtpSender.TemporaryFailures > temporary)
            {
                report.Detail($"{name}: {Clients.SmtpSender.TemporaryFailures - temporary} SMTP 4xx answers, each retried after 1 s (an MTA would retry too)");
            }
            Console.WriteLine($"  ({wall:0.0} s; CPU busy: benchmark process (clients + dev host) {(ProcessCpu.Seconds(self) - cpuSelf) / wall:P0} of one core, " +
                $"Azurite {cpuAzurite.Describe(wall)} of one core)");
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static void PrintMachine()
    {
        string cpu = "?";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        }
        catch (IOException)
        {
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {cpu}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average {LoadAverage()}");
    }
}

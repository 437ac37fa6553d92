using System.Globalization;

namespace Serverless.Bench;

/// <summary>
/// CPU time of a process from /proc (user + system), to say where a phase's time went: the
/// benchmark process (clients + the hosted dev host) or Azurite (node runs its JavaScript on one core).
/// </summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>CPU time of this process's JIT background tier-up thread (".NET Tiered Com…"), 0 if it has none now.</summary>
    public static double TierUpSeconds()
    {
        double total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                    {
                        total += StatSeconds(File.ReadAllText(Path.Combine(task, "stat")));
                    }
                }
                catch (IOException)
                {
                    // the thread ended meanwhile
                }
            }
        }
        catch (IOException)
        {
        }
        return total;
    }

    private static double StatSeconds(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    public static double Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[11] = utime, fields[12] = stime (fields 14 and 15 of stat(5), counted after the command name)
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

/// <summary>CPU use of this process and of Azurite over a measured stretch, as a share of one core.</summary>
internal sealed class CpuWindow
{
    /// <summary>Set when the benchmark started Azurite itself.</summary>
    public static int? AzuritePid { get; set; }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly double _self = ProcessCpu.Seconds(Environment.ProcessId);
    private readonly double _azurite = AzuritePid is int pid ? ProcessCpu.Seconds(pid) : double.NaN;
    private readonly long _jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
    private readonly double _tierUp = ProcessCpu.TierUpSeconds();

    /// <summary>
    /// The shares of a core; with <paramref name="operations"/> also the CPU milliseconds per operation
    /// in each process, which (unlike the rate) hardly moves with other load on the machine.
    /// </summary>
    public string Describe(long operations = 0, string unit = "message")
    {
        var wall = _clock.Elapsed.TotalSeconds;
        var selfSeconds = ProcessCpu.Seconds(Environment.ProcessId) - _self;
        var azuriteSeconds = AzuritePid is int pid ? ProcessCpu.Seconds(pid) - _azurite : double.NaN;
        var self = selfSeconds / wall;
        var azurite = azuriteSeconds / wall;
        // The JIT's background tier-up is warm-up a long-running process stops paying: shown apart.
        var tierUp = Math.Max(0, ProcessCpu.TierUpSeconds() - _tierUp); // a tier-up thread that ended meanwhile takes its count along
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - _jitMethods;
        var perOperation = operations <= 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; CPU per {unit}: benchmark process {selfSeconds * 1000 / operations:0.00} ms (of which the JIT's tier-up thread {tierUp * 1000 / operations:0.00} ms; {jitMethods} methods compiled), Azurite {(double.IsNaN(azuriteSeconds) ? "?" : (azuriteSeconds * 1000 / operations).ToString("0.00", CultureInfo.InvariantCulture))} ms");
        return $"CPU: benchmark process (clients + dev host) {self:P0} of a core, Azurite {(double.IsNaN(azurite) ? "?" : azurite.ToString("P0", CultureInfo.InvariantCulture))} of a core{perOperation}, load average {BenchRun.LoadAverage()}";
    }
}

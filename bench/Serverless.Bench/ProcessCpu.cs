using System.Globalization;

namespace Serverless.Bench;

/// <summary>
/// CPU time of a process from /proc (user + system), to say where a phase's time went: the
/// benchmark process (clients + the hosted dev host) or Azurite (node runs each service's JavaScript on one core).
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

    /// <summary>utime + stime of a /proc stat line: fields 14 and 15 of stat(5), i.e. 11 and 12 counted after the command name.</summary>
    private static double StatSeconds(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    public static double Seconds(int pid)
    {
        try
        {
            return StatSeconds(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

/// <summary>
/// CPU time of Azurite's three service processes (blob, queue, table) since a snapshot: their sum
/// and the busiest one, whose share of a core is the emulator's ceiling (each runs on one core).
/// </summary>
internal sealed class AzuriteCpu
{
    /// <summary>Set when the benchmark started Azurite itself, or by <c>--azurite-pid</c> (one or more, comma-separated).</summary>
    public static IReadOnlyList<(string Service, int Pid)> Processes { get; set; } = [];

    private readonly double[] _start = [.. Processes.Select(p => ProcessCpu.Seconds(p.Pid))];

    /// <summary>CPU milliseconds of all Azurite processes since the snapshot; NaN without any.</summary>
    public double Milliseconds() => Processes.Count == 0
        ? double.NaN
        : Processes.Select((p, i) => ProcessCpu.Seconds(p.Pid) - _start[i]).Sum() * 1000;

    /// <summary>Each service's CPU milliseconds since the snapshot per operation, "blob 1.23, queue 2.34, table 0.98"; "" without our own Azurite.</summary>
    public string PerService(long operations) => Processes.Count == 0 || operations <= 0
        ? ""
        : string.Join(", ", Processes.Select((p, i) => string.Create(CultureInfo.InvariantCulture,
            $"{p.Service} {(ProcessCpu.Seconds(p.Pid) - _start[i]) * 1000 / operations:0.00}")));

    /// <summary>"the sum (the busiest service's share)" of a core over <paramref name="wallSeconds"/>, or "?" without our own Azurite.</summary>
    public string Describe(double wallSeconds)
    {
        if (Processes.Count == 0)
        {
            return "?";
        }
        var shares = Processes.Select((p, i) => (p.Service, Share: (ProcessCpu.Seconds(p.Pid) - _start[i]) / wallSeconds)).ToList();
        var busiest = shares.MaxBy(s => s.Share);
        return string.Create(CultureInfo.InvariantCulture, $"{shares.Sum(s => s.Share):P0} (busiest: {busiest.Service} {busiest.Share:P0})");
    }
}

/// <summary>CPU use of this process and of Azurite over a measured stretch, as a share of one core.</summary>
internal sealed class CpuWindow
{
    /// <summary>
    /// <c>--azurite-profile</c>: signal Azurite (SIGUSR2) when a measured stretch opens and when it is
    /// described, so <c>scripts/azurite-profile.js</c> preloaded into it profiles exactly that stretch.
    /// </summary>
    public static bool SignalAzurite { get; set; }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly double _self = ProcessCpu.Seconds(Environment.ProcessId);
    private readonly AzuriteCpu _azurite = new();
    private bool _profiling = SignalProfiler();

    /// <summary>Sends SIGUSR2 to each Azurite process (start or stop its profiler); true when it was sent.</summary>
    private static bool SignalProfiler()
    {
        if (!SignalAzurite || AzuriteCpu.Processes.Count == 0)
        {
            return false;
        }
        foreach (var (_, pid) in AzuriteCpu.Processes)
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-USR2", pid.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
        return true;
    }

    /// <summary>Azurite's CPU milliseconds (all its processes) since the window opened (NaN when its PIDs are unknown): divided by the
    /// operations of the stretch it is the emulator's cost per operation, a figure the machine's load moves little.</summary>
    public double AzuriteCpuMs => _azurite.Milliseconds();

    /// <summary>"Azurite CPU 3.1 ms per operation", or "" when the benchmark does not know Azurite's PIDs.</summary>
    public string AzuriteCostPer(long operations, string unit = "operation") =>
        double.IsNaN(AzuriteCpuMs) ? "" : $"Azurite CPU {AzuriteCpuMs / Math.Max(1, operations):0.00} ms per {unit}";

    /// <summary>Ends Azurite's profile of this stretch, if one was started (<see cref="Describe"/> does it too).</summary>
    public void EndProfile()
    {
        if (_profiling)
        {
            _profiling = false;
            SignalProfiler();
        }
    }
    private readonly long _jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
    private readonly long _allocated = GC.GetTotalAllocatedBytes();
    private readonly int[] _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly TimeSpan _gcPause = GC.GetTotalPauseDuration();
    private readonly double _tierUp = ProcessCpu.TierUpSeconds();

    /// <summary>
    /// The shares of a core; with <paramref name="operations"/> also the CPU milliseconds per operation
    /// in each process, which (unlike the rate) hardly moves with other load on the machine.
    /// </summary>
    public string Describe(long operations = 0, string unit = "message")
    {
        EndProfile();
        var wall = _clock.Elapsed.TotalSeconds;
        var selfSeconds = ProcessCpu.Seconds(Environment.ProcessId) - _self;
        var azuriteMs = _azurite.Milliseconds();
        var self = selfSeconds / wall;
        // The JIT's background tier-up is warm-up a long-running process stops paying: shown apart.
        var tierUp = Math.Max(0, ProcessCpu.TierUpSeconds() - _tierUp); // a tier-up thread that ended meanwhile takes its count along
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - _jitMethods;
        // What the process allocated and collected (clients and dev host together): allocation per
        // operation is the GC's work per operation, a figure the machine's load does not move.
        var allocated = GC.GetTotalAllocatedBytes() - _allocated;
        var collections = Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - _collections[g]).ToArray();
        var gcPause = GC.GetTotalPauseDuration() - _gcPause;
        var perOperation = operations <= 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; CPU per {unit}: benchmark process {selfSeconds * 1000 / operations:0.00} ms (of which the JIT's tier-up thread {tierUp * 1000 / operations:0.00} ms; {jitMethods} methods compiled), Azurite {(double.IsNaN(azuriteMs) ? "?" : (azuriteMs / operations).ToString("0.00", CultureInfo.InvariantCulture) + " ms (" + _azurite.PerService(operations) + ")")}; allocated {allocated / 1024.0 / operations:0.0} KiB per {unit}, GCs gen0/1/2 {collections[0]}/{collections[1]}/{collections[2]} (pauses {gcPause.TotalMilliseconds / operations:0.000} ms per {unit})");
        return $"CPU: benchmark process (clients + dev host) {self:P0} of a core, Azurite {_azurite.Describe(wall)} of a core{perOperation}, load average {BenchRun.LoadAverage()}";
    }
}

using System.Globalization;

namespace Serverless.Bench;

/// <summary>
/// CPU time of a process from /proc (user + system), to say where a phase's time went: the
/// benchmark process (clients + the hosted dev host) or Azurite (node runs its JavaScript on one core).
/// </summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

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
    /// <summary>Set when the benchmark started Azurite itself, or by <c>--azurite-pid</c>.</summary>
    public static int? AzuritePid { get; set; }

    /// <summary>
    /// <c>--azurite-profile</c>: signal Azurite (SIGUSR2) when a measured stretch opens and when it is
    /// described, so <c>scripts/azurite-profile.js</c> preloaded into it profiles exactly that stretch.
    /// </summary>
    public static bool SignalAzurite { get; set; }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly double _self = ProcessCpu.Seconds(Environment.ProcessId);
    private readonly double _azurite = AzuritePid is int pid ? ProcessCpu.Seconds(pid) : double.NaN;
    private bool _profiling = SignalProfiler();

    /// <summary>Sends SIGUSR2 to Azurite (start or stop its profiler); true when it was sent.</summary>
    private static bool SignalProfiler()
    {
        if (!SignalAzurite || AzuritePid is not int pid)
        {
            return false;
        }
        using var kill = System.Diagnostics.Process.Start("kill", ["-USR2", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return true;
    }

    /// <summary>Azurite's CPU milliseconds since the window opened (NaN when its PID is unknown): divided by the
    /// operations of the stretch it is the emulator's cost per operation, a figure the machine's load moves little.</summary>
    public double AzuriteCpuMs => AzuritePid is int pid ? (ProcessCpu.Seconds(pid) - _azurite) * 1000 : double.NaN;

    /// <summary>"Azurite CPU 3.1 ms per operation", or "" when the benchmark does not know Azurite's PID.</summary>
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

    public string Describe()
    {
        EndProfile();
        var wall = _clock.Elapsed.TotalSeconds;
        var self = (ProcessCpu.Seconds(Environment.ProcessId) - _self) / wall;
        var azurite = AzuritePid is int pid ? (ProcessCpu.Seconds(pid) - _azurite) / wall : double.NaN;
        return $"CPU: benchmark process (clients + dev host) {self:P0} of a core, Azurite {(double.IsNaN(azurite) ? "?" : azurite.ToString("P0", CultureInfo.InvariantCulture))} of a core, load average {BenchRun.LoadAverage()}";
    }
}

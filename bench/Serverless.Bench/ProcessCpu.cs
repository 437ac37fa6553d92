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
    /// <summary>Set when the benchmark started Azurite itself.</summary>
    public static int? AzuritePid { get; set; }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly double _self = ProcessCpu.Seconds(Environment.ProcessId);
    private readonly double _azurite = AzuritePid is int pid ? ProcessCpu.Seconds(pid) : double.NaN;

    public string Describe()
    {
        var wall = _clock.Elapsed.TotalSeconds;
        var self = (ProcessCpu.Seconds(Environment.ProcessId) - _self) / wall;
        var azurite = AzuritePid is int pid ? (ProcessCpu.Seconds(pid) - _azurite) / wall : double.NaN;
        return $"CPU: benchmark process (clients + dev host) {self:P0} of a core, Azurite {(double.IsNaN(azurite) ? "?" : azurite.ToString("P0", CultureInfo.InvariantCulture))} of a core, load average {BenchRun.LoadAverage()}";
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Serverless.Fuzz.Targets;

namespace Serverless.Fuzz;

/// <summary>Settings of one fuzzing run.</summary>
internal sealed record FuzzOptions(string Target, TimeSpan Duration, int MaxLength, int Seed, IReadOnlyList<string> CorpusDirs, string? OutputCorpus, string CrashDir,
    TimeSpan PerInputTimeout, long AllocationBudget);

/// <summary>
/// The in-process fuzzing loop, libFuzzer-style: start from the target's seeds and any corpus files,
/// pick an input, mutate it, run the target; inputs that reach new coverage join the corpus. A
/// finding — an exception, a broken invariant, an input running past its time budget, or one that
/// allocates more than its budget — is written to the crash folder with its reason, and the run
/// fails. Its bytes become a regression test by moving them to <c>fuzz/regressions/{target}/</c>.
/// </summary>
internal sealed class FuzzRun(FuzzOptions options)
{
    private byte[] _current = [];
    private long _startedTicks;

    public int Execute()
    {
        // The map first: instrumented code writes to it from the first branch (the targets' seeds included).
        var coverage = CoverageMap.Shared;
        coverage.Reset();
        var target = FuzzTarget.Find(options.Target);
        var random = new Random(options.Seed);
        var corpus = new List<byte[]>(target.Seeds);
        foreach (var dir in options.CorpusDirs.Where(Directory.Exists))
        {
            corpus.AddRange(Directory.EnumerateFiles(dir).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes));
        }
        var mutator = new Mutator(random, target.Dictionary, options.MaxLength);
        using var watchdog = StartWatchdog(target.Name);
        var findings = 0;
        var execs = 0L;
        var clock = Stopwatch.StartNew();

        // The starting corpus runs first; its coverage is the baseline.
        foreach (var input in corpus.ToList())
        {
            findings += RunOne(target, input) ? 0 : 1;
            execs++;
            coverage.TakeNewCoverage();
        }
        var guided = coverage.Edges > 0;
        var added = 0;
        while (clock.Elapsed < options.Duration && findings == 0)
        {
            var parent = corpus[random.Next(corpus.Count)];
            var input = mutator.Mutate(parent, corpus);
            var ok = RunOne(target, input);
            execs++;
            if (!ok)
            {
                findings++;
                continue;
            }
            if (coverage.TakeNewCoverage())
            {
                corpus.Add(input);
                added++;
                if (options.OutputCorpus is { } output)
                {
                    Directory.CreateDirectory(output);
                    File.WriteAllBytes(Path.Combine(output, Hash(input)), input);
                }
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FIGURES fuzz {target.Name}: {execs} inputs in {seconds:0.0} s ({execs / seconds:0}/s), {(guided ? $"coverage-guided, {coverage.Edges} edges" : "unguided (not instrumented)")}, " +
            $"corpus {corpus.Count} (+{added}), findings {findings}, seed {options.Seed}"));
        return findings == 0 ? 0 : 1;
    }

    /// <summary>Runs one input; false (and the input saved) if it was a finding.</summary>
    public bool RunOne(FuzzTarget target, byte[] input)
    {
        _current = input;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Interlocked.Exchange(ref _startedTicks, Stopwatch.GetTimestamp());
        try
        {
            target.Run(input);
        }
        catch (Exception e)
        {
            Report(target.Name, input, e.ToString());
            return false;
        }
        finally
        {
            Interlocked.Exchange(ref _startedTicks, 0);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var budget = options.AllocationBudget + (input.Length * 256L);
        if (allocated > budget)
        {
            Report(target.Name, input, $"allocated {allocated:N0} bytes for a {input.Length}-byte input (budget {budget:N0}): memory is not bounded by the input");
            return false;
        }
        return true;
    }

    private void Report(string target, byte[] input, string reason)
    {
        Directory.CreateDirectory(options.CrashDir);
        var file = Path.Combine(options.CrashDir, $"{target}-{Hash(input)}");
        File.WriteAllBytes(file, input);
        File.WriteAllText(file + ".txt", reason);
        Console.Error.WriteLine($"FINDING {target}: {file}\n{reason}");
    }

    /// <summary>A thread that ends the process if one input runs past its time budget (a hang cannot be cancelled from outside).</summary>
    private Timer StartWatchdog(string target) => new(_ =>
    {
        var started = Interlocked.Read(ref _startedTicks);
        if (started != 0 && Stopwatch.GetElapsedTime(started) > options.PerInputTimeout)
        {
            Report(target, _current, $"hang: one input ran longer than {options.PerInputTimeout.TotalSeconds:0.#} s");
            Environment.Exit(3);
        }
    }, null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));

    private static string Hash(byte[] input) => Convert.ToHexStringLower(SHA256.HashData(input))[..16];
}

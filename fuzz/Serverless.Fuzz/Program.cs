using System.Globalization;
using System.Runtime.CompilerServices;
using Serverless.Fuzz;
using Serverless.Fuzz.Targets;

// Fuzz harnesses (docs/reliability.md, scripts/fuzz.sh):
//   instrument <dir>                        rewrite the target assemblies in <dir> with SharpFuzz (coverage)
//   run --target T --seconds N [options]    fuzz one target
//   replay --target T <file>...             run saved inputs once (a crash reproduces)
//   list                                    the targets
if (args.Length > 0 && args[0] != "instrument")
{
    _ = CoverageMap.Shared; // instrumented code counts into it from its first branch (the targets' seeds included)
}
return args.Length == 0 ? Usage() : args[0] switch
{
    "instrument" when args.Length == 2 => Instrumentation.Instrument(args[1]),
    "run" => Run(args[1..]),
    "replay" => Replay(args[1..]),
    "list" => List(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Serverless.Fuzz (list | instrument <dir> | run --target T [--seconds N] [--seed S] [--max-len B] [--corpus DIR]... [--out DIR] [--crashes DIR (default .test-data/fuzz-crashes)] | replay --target T FILE...)");
    return 2;
}

static int List()
{
    foreach (var t in FuzzTarget.All)
    {
        Console.WriteLine(t.Name);
    }
    return 0;
}

static int Run(string[] args)
{
    var target = Value(args, "--target") ?? throw new ArgumentException("--target is required");
    var options = new FuzzOptions(
        target,
        TimeSpan.FromSeconds(double.Parse(Value(args, "--seconds") ?? "10", CultureInfo.InvariantCulture)),
        int.Parse(Value(args, "--max-len") ?? "65536", CultureInfo.InvariantCulture),
        int.Parse(Value(args, "--seed") ?? Random.Shared.Next().ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        Values(args, "--corpus"),
        Value(args, "--out"),
        Value(args, "--crashes") ?? Defaults.CrashDir,
        TimeSpan.FromMilliseconds(int.Parse(Value(args, "--timeout-ms") ?? "3000", CultureInfo.InvariantCulture)),
        long.Parse(Value(args, "--alloc-budget") ?? (64L * 1024 * 1024).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    return new FuzzRun(options).Execute();
}

static int Replay(string[] args)
{
    var target = FuzzTarget.Find(Value(args, "--target") ?? throw new ArgumentException("--target is required"));
    var run = new FuzzRun(new FuzzOptions(target.Name, TimeSpan.Zero, int.MaxValue, 0, [], null, Defaults.CrashDir, TimeSpan.FromSeconds(30), 64L * 1024 * 1024));
    var failed = 0;
    foreach (var file in args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && File.Exists(a)))
    {
        var ok = run.RunOne(target, File.ReadAllBytes(file));
        Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {file}");
        failed += ok ? 0 : 1;
    }
    return failed == 0 ? 0 : 1;
}

static string? Value(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static List<string> Values(string[] args, string name) =>
    args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToList();

/// <summary>Where findings go unless --crashes says otherwise (docs/reliability.md): under the git-ignored
/// .test-data, never a folder in the repository; fixed ones are moved to fuzz/regressions/{target}/.</summary>
internal static class Defaults
{
    public const string CrashDir = ".test-data/fuzz-crashes";
}

/// <summary>Kept apart from the targets: rewriting an assembly must happen before anything loads it.</summary>
internal static class Instrumentation
{
    /// <summary>The code under test, and which of its types get coverage probes.</summary>
    private static readonly (string Assembly, string Prefix)[] Assemblies =
    [
        ("Serverless.Protocols.dll", "Serverless.Protocols."),
        ("Serverless.Mail.dll", "Serverless.Mail.Index."),
        ("MimeKit.dll", "MimeKit."),
    ];

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Instrument(string dir)
    {
        foreach (var (assembly, prefix) in Assemblies)
        {
            var path = Path.Combine(dir, assembly);
            var types = SharpFuzz.Fuzzer.Instrument(path, type => type.StartsWith(prefix, StringComparison.Ordinal), SharpFuzz.Options.Value);
            Console.WriteLine($"instrumented {assembly}: {types.Count()} types");
        }
        return 0;
    }
}

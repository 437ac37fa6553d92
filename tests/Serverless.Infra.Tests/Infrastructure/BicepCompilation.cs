using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using Serverless.Testing;

namespace Serverless.Infra.Tests.Infrastructure;

/// <summary>
/// infra/main.bicep compiled once per test run with the Bicep CLI from NuGet ($(BicepPath), baked
/// into this assembly at build time). The CLI exits 0 on type warnings (BCP036/BCP037) and on
/// linter findings, so callers look at <see cref="Diagnostics"/>, not only the exit code.
/// </summary>
public sealed class BicepCompilation
{
    private static readonly Lazy<Task<BicepCompilation>> Shared = new(CompileMainAsync);

    private BicepCompilation(int exitCode, string json, IReadOnlyList<string> diagnostics)
    {
        ExitCode = exitCode;
        Json = json;
        Diagnostics = diagnostics;
    }

    public int ExitCode { get; }

    public string Json { get; }

    /// <summary>Every line the compiler wrote to stderr: warnings, errors, linter findings.</summary>
    public IReadOnlyList<string> Diagnostics { get; }

    public static Task<BicepCompilation> MainAsync() => Shared.Value;

    public static string BicepPath =>
        typeof(BicepCompilation).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value
        ?? throw new InvalidOperationException("BicepPath was not set at build time");

    public ArmTemplate Template() => new((JsonObject)JsonNode.Parse(Json)!);

    private static async Task<BicepCompilation> CompileMainAsync()
    {
        var main = Path.Combine(AzuriteProcess.RepositoryRoot(), "infra", "main.bicep");
        var start = new ProcessStartInfo(BicepPath)
        {
            ArgumentList = { "build", main, "--stdout" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var diagnostics = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new BicepCompilation(process.ExitCode, await stdout, diagnostics);
    }
}

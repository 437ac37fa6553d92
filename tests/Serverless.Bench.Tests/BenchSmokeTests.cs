using Serverless.Bench;
using Serverless.Testing;
using Xunit;

namespace Serverless.Bench.Tests;

/// <summary>
/// The benchmark (bench/Serverless.Bench) runs every in-process phase with tiny counts against the
/// test Azurite: its clients speak each protocol correctly and the stack answers them. It asserts
/// that no phase failed, nothing about time.
/// </summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task Every_phase_of_the_benchmark_runs_with_tiny_counts()
    {
        var storage = await TestStorage.ConnectionStringAsync();
        var exit = await BenchProgram.RunAsync(["--quick", "--skip", "azurite,memory", "--storage", storage]);
        Assert.Equal(0, exit);
    }
}

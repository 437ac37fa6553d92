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

    /// <summary>
    /// The idle-TLS floor experiment: its bare SslStream server starts as a child process, takes the
    /// connections and reports its memory, once with OpenSSL's defaults and once with released buffers.
    /// </summary>
    [Fact]
    public async Task The_tls_floor_experiment_runs_its_bare_server()
    {
        var storage = await TestStorage.ConnectionStringAsync();
        var exit = await BenchProgram.RunAsync(["--quick", "--only", "tls-floor", "--storage", storage]);
        Assert.Equal(0, exit);
    }

    /// <summary>
    /// The side-by-side phase, with our own stack standing in for the peers (they are not installed
    /// where tests run): SMTP, IMAPS shared by several clients, POP3 over STLS, one command in flight.
    /// </summary>
    [Fact]
    public async Task The_comparison_runs_against_any_server_here_our_own()
    {
        var storage = await TestStorage.ConnectionStringAsync();
        var exit = await BenchProgram.RunAsync(["--quick", "--only", "compare", "--peer-self", "--storage", storage]);
        Assert.Equal(0, exit);
    }
}

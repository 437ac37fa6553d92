namespace Serverless.Bench;

/// <summary>The benchmark's entry point (public so a smoke test can run it with tiny counts).</summary>
public static class BenchProgram
{
    /// <returns>0 when every phase ran (targets missed or not), 1 when a phase failed, 2 for bad arguments.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [Scenarios.TlsFloorScenario.ServerArgument, var mode])
        {
            return await Scenarios.TlsFloorScenario.ServeAsync(mode);
        }
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (HelpRequested)
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            await Console.Error.WriteLineAsync(BenchOptions.Usage);
            return 2;
        }
        return await BenchRun.RunAsync(options);
    }
}

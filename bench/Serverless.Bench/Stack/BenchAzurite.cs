using System.Diagnostics;
using System.Net.Sockets;
using Serverless.Testing;

namespace Serverless.Bench.Stack;

/// <summary>
/// A private Azurite for one benchmark run: the pinned npm package's blob, queue and table services
/// as three node processes (as scripts/azurite.sh starts them for run.sh), in-memory, on free
/// loopback ports; stopped by PID at the end. Three processes because node runs each service's
/// JavaScript on one core: in one process the three share that core and it is the ceiling of every
/// phase.
/// </summary>
internal sealed class BenchAzurite : IAsyncDisposable
{
    private readonly IReadOnlyList<(string Service, Process Process)> _processes;

    private BenchAzurite(IReadOnlyList<(string, Process)> processes, int blob, int queue, int table)
    {
        _processes = processes;
        ConnectionString = AzuriteProcess.ConnectionStringFor(blob, queue, table);
    }

    public string ConnectionString { get; }

    /// <summary>Each service's process, for CPU accounting.</summary>
    public IReadOnlyList<(string Service, int Pid)> Processes => [.. _processes.Select(p => (p.Service, p.Process.Id))];

    public static async Task<BenchAzurite> StartAsync()
    {
        var root = Path.Combine(AzuriteProcess.RepositoryRoot(), "node_modules", "azurite", "dist", "src");
        if (!File.Exists(Path.Combine(root, "azurite.js")))
        {
            throw new InvalidOperationException($"Azurite is not installed ({root}): run 'npm ci' in the repository root, or use scripts/bench.sh.");
        }
        int blob = AzuriteProcess.FreePort(), queue = AzuriteProcess.FreePort(), table = AzuriteProcess.FreePort();
        var started = new List<(string, Process)>();
        try
        {
            foreach (var (service, port) in new[] { ("blob", blob), ("queue", queue), ("table", table) })
            {
                started.Add((service, Start(Path.Combine(root, service, "main.js"), service, port)));
            }
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                if (await Listening(blob) && await Listening(queue) && await Listening(table))
                {
                    return new BenchAzurite(started, blob, queue, table);
                }
                if (started.Any(p => p.Item2.HasExited))
                {
                    throw new InvalidOperationException("Azurite exited during startup");
                }
                await Task.Delay(100);
            }
            throw new TimeoutException("Azurite did not start");
        }
        catch
        {
            foreach (var (_, p) in started)
            {
                Stop(p);
            }
            throw;
        }
    }

    private static Process Start(string script, string service, int port)
    {
        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--disableTelemetry", "--silent", "--inMemoryPersistence", "--skipApiVersionCheck",
            $"--{service}Host", "127.0.0.1", $"--{service}Port", $"{port}" })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, p) in _processes)
        {
            Stop(p);
            await p.WaitForExitAsync();
            p.Dispose();
        }
    }

    private static void Stop(Process p)
    {
        if (!p.HasExited)
        {
            p.Kill();
        }
    }

    private static async Task<bool> Listening(int port)
    {
        try
        {
            using var c = new TcpClient();
            await c.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

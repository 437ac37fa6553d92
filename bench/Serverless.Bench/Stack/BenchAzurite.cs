using System.Diagnostics;
using System.Net.Sockets;
using Serverless.Testing;

namespace Serverless.Bench.Stack;

/// <summary>
/// A private Azurite for one benchmark run: the pinned npm package started with node directly (so
/// we hold its PID), in-memory, on free loopback ports; stopped by PID at the end.
/// </summary>
internal sealed class BenchAzurite : IAsyncDisposable
{
    private readonly Process _process;

    private BenchAzurite(Process process, int blob, int queue, int table)
    {
        _process = process;
        ConnectionString = AzuriteProcess.ConnectionStringFor(blob, queue, table);
    }

    public string ConnectionString { get; }

    public int Pid => _process.Id;

    public static async Task<BenchAzurite> StartAsync()
    {
        var script = Path.Combine(AzuriteProcess.RepositoryRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script}): run 'npm ci' in the repository root, or use scripts/bench.sh.");
        }
        int blob = AzuriteProcess.FreePort(), queue = AzuriteProcess.FreePort(), table = AzuriteProcess.FreePort();
        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--disableTelemetry", "--silent", "--inMemoryPersistence", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--blobPort", $"{blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{table}" })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await Listening(blob) && await Listening(queue) && await Listening(table))
            {
                return new BenchAzurite(process, blob, queue, table);
            }
            if (process.HasExited)
            {
                throw new InvalidOperationException("Azurite exited during startup");
            }
            await Task.Delay(100);
        }
        process.Kill();
        throw new TimeoutException("Azurite did not start");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
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

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Serverless.Testing;

/// <summary>
/// A private Azurite started by a test (for tests that stop and restart storage). Data lives in a
/// temporary folder, so a restart on the same ports finds it again. Stopped by PID.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly string _location;
    private Process? _process;

    private AzuriteProcess(int blob, int queue, int table, string location)
    {
        BlobPort = blob;
        QueuePort = queue;
        TablePort = table;
        _location = location;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The node process id while it runs (fault tests pause it with SIGSTOP/SIGCONT).</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    public static string ConnectionStringFor(int blob, int queue, int table) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";

    public static async Task<AzuriteProcess> StartAsync()
    {
        var location = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(location);
        var p = new AzuriteProcess(FreePort(), FreePort(), FreePort(), location);
        await p.StartAgainAsync();
        return p;
    }

    /// <summary>(Re)starts Azurite on the same ports and data folder.</summary>
    public async Task StartAgainAsync()
    {
        var script = Path.Combine(RepositoryRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script}); run 'npm ci' in the repository root (./test.sh does).");
        }
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { script, "--disableTelemetry", "--silent", "--location", _location,
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(), "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString() })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("Cannot start node.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await Listening(BlobPort) && await Listening(QueuePort) && await Listening(TablePort))
            {
                return;
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException("Azurite exited during startup.");
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("Azurite did not start.");
    }

    /// <summary>Stops Azurite (one SIGTERM ends it with telemetry off) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }
        if (!_process.HasExited)
        {
            // SIGTERM first: Azurite saves its data on a clean exit (with --location), so a restart finds
            // what was stored before, as a real storage outage would. SIGKILL only if it hangs.
            using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString()]) { UseShellExecute = false }))
            {
                await term!.WaitForExitAsync();
            }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task<bool> Listening(int port)
    {
        try
        {
            using var c = new TcpClient();
            await c.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (Serverless.sln).");
    }
}

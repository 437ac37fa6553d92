using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Serverless.Testing;

namespace Serverless.Bench.Stack;

/// <summary>
/// The listener container's program (Serverless.Listeners) started as its own process on the
/// benchmark's storage: IMAP only, plaintext LOGIN from loopback. Its resident memory is the
/// listener's alone, and it starts with nothing cached (a "fresh process"). Stopped by PID.
/// </summary>
internal sealed class ListenerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ListenerProcess(Process process, int imapPort)
    {
        _process = process;
        ImapPort = imapPort;
    }

    private static readonly string[] Configurations = ["Release", "Debug"];

    /// <summary>
    /// Process settings the listener container sets in its Dockerfile (ENV) and run.sh exports: they
    /// act before the runtime starts, so they cannot live in the runtimeconfig. MALLOC_ARENA_MAX=2:
    /// glibc's default of up to 8 arenas per core spread OpenSSL's per-connection allocations over
    /// 16 arenas on 2 cores, each with its own free space (bench/README.md, "Listener memory").
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ContainerEnvironment = new Dictionary<string, string>
    {
        ["MALLOC_ARENA_MAX"] = "2",
    };

    public int ImapPort { get; }

    /// <summary>IMAPS (implicit TLS with the development certificate).</summary>
    public int ImapsPort { get; private init; }

    /// <summary>The MX (SMTP), when started with one; 0 otherwise.</summary>
    public int SmtpPort { get; private init; }

    public int Pid => _process.Id;

    /// <summary>Resident set size (VmRSS) in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException("no VmRSS");
    }

    /// <summary>
    /// Starts the listener. <paramref name="environment"/> adds settings (e.g. a log level);
    /// <paramref name="onLine"/> sees each line the process prints and returns true for those it
    /// consumed (not echoed to the console). <paramref name="mx"/>: the SMTP port (MX) too, as the
    /// listener container serves it in Azure.
    /// </summary>
    public static async Task<ListenerProcess> StartAsync(BenchStack stack, IReadOnlyDictionary<string, string>? environment = null, Func<string, bool>? onLine = null, bool mx = false)
    {
        // A free port may be taken by other work before the child binds it: the child then exits; try others.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(stack, environment, onLine, mx);
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("the listener exited", StringComparison.Ordinal) && attempt < 4)
            {
                Console.WriteLine("  the listener process could not start (" + e.Message + "); trying other ports");
            }
        }
    }

    private static async Task<ListenerProcess> StartOnceAsync(BenchStack stack, IReadOnlyDictionary<string, string>? environment, Func<string, bool>? onLine, bool mx)
    {
        var dll = FindListener();
        var port = AzuriteProcess.FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        psi.ArgumentList.Add(dll);
        psi.Environment["Mail__Storage__ConnectionString"] = stack.ConnectionString;
        psi.Environment["Mail__Storage__Prefix"] = stack.Prefix;
        psi.Environment["Mail__Listeners__AllowPlaintextAuthOnLoopback"] = "true";
        psi.Environment["Mail__Listeners__MaxConnectionsPerIp"] = "1000000";
        psi.Environment["Mail__Listeners__HostName"] = "mail." + BenchStack.Domain;
        psi.Environment["Mail__Tls__DevelopmentCertificatePath"] = stack.Settings["Mail:Tls:DevelopmentCertificatePath"];
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // The container's process environment (listeners/Serverless.Listeners/Dockerfile, ENV), so the
        // memory figures are the production process's.
        foreach (var (name, value) in ContainerEnvironment)
        {
            psi.Environment[name] = value;
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Pop3", "Pop3s", "ManageSieve", "Health" })
        {
            psi.Environment[$"Mail__Listeners__Ports__{name}"] = "0";
        }
        var smtp = mx ? AzuriteProcess.FreePort() : 0;
        psi.Environment["Mail__Listeners__Ports__Smtp"] = smtp.ToString(CultureInfo.InvariantCulture);
        var imaps = AzuriteProcess.FreePort();
        psi.Environment["Mail__Listeners__Ports__Imap"] = port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["Mail__Listeners__Ports__Imaps"] = imaps.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the listener");
        void Print(string? line)
        {
            if (line is { Length: > 0 } && onLine?.Invoke(line) != true)
            {
                Console.WriteLine("    [listener] " + line);
            }
        }
        process.OutputDataReceived += (_, e) => Print(e.Data);
        process.ErrorDataReceived += (_, e) => Print(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                // Kestrel binds the endpoints one after another: IMAP answering does not mean IMAPS (or the MX) does yet.
                foreach (var p in smtp > 0 ? new[] { port, imaps, smtp } : new[] { port, imaps })
                {
                    using var c = new TcpClient();
                    await c.ConnectAsync(System.Net.IPAddress.Loopback, p);
                }
                return new ListenerProcess(process, port) { ImapsPort = imaps, SmtpPort = smtp };
            }
            catch (SocketException)
            {
            }
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the listener exited ({process.ExitCode})");
            }
            await Task.Delay(100);
        }
        process.Kill();
        throw new TimeoutException("the listener did not start");
    }

    /// <summary>The listener program built next to this benchmark (same configuration, else the newest build).</summary>
    private static string FindListener()
    {
        var root = AzuriteProcess.RepositoryRoot();
        var candidates = Configurations
            .Select(c => Path.Combine(root, "listeners", "Serverless.Listeners", "bin", c, "net10.0", "Serverless.Listeners.dll"))
            .Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).ToList();
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException("Serverless.Listeners is not built (dotnet build -c Release listeners/Serverless.Listeners)");
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
}

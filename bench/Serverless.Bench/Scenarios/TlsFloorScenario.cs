using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using Serverless.Listeners.Connections;
using Serverless.Testing.Outbound;

namespace Serverless.Bench.Scenarios;

/// <summary>
/// The floor under the listener's idle-TLS figure: a bare SslStream server (a socket, SslStream,
/// one pending zero-byte read; no Kestrel, no pipes, no IMAP) in a child process of the same
/// runtime, with N idle TLS connections from this process after a short exchange each. Per
/// connection it reports the child's RSS growth, the native heap in use (glibc <c>mallinfo2</c>:
/// OpenSSL's SSL objects live there) and the managed heap after a full collection, first with
/// OpenSSL's defaults and then with <c>SSL_MODE_RELEASE_BUFFERS</c> as the listener sets it.
/// </summary>
internal static class TlsFloorScenario
{
    /// <summary>The child's argument (<c>BenchProgram</c> hands the process to <see cref="ServeAsync"/>).</summary>
    public const string ServerArgument = "--tls-floor-server";

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        foreach (var release in new[] { false, true })
        {
            var mode = release ? "with SSL_MODE_RELEASE_BUFFERS" : "OpenSSL defaults";
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add(typeof(TlsFloorScenario).Assembly.Location);
            psi.ArgumentList.Add(ServerArgument);
            psi.ArgumentList.Add(release ? "release" : "default");
            // The listener program's GC (workstation, Serverless.Listeners.csproj) and process
            // environment (MALLOC_ARENA_MAX), so the figures are comparable with its own.
            psi.Environment["DOTNET_gcServer"] = "0";
            foreach (var (name, value) in Stack.ListenerProcess.ContainerEnvironment)
            {
                psi.Environment[name] = value;
            }
            using var child = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the TLS floor server");
            var clients = new List<SslStream>();
            try
            {
                var port = int.Parse(await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the TLS floor server did not start"), CultureInfo.InvariantCulture);
                async Task<long[]> Figures()
                {
                    await child.StandardInput.WriteLineAsync("figures");
                    await child.StandardInput.FlushAsync();
                    var line = await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the TLS floor server ended");
                    return [.. line.Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
                }
                (await ConnectAsync(port)).Dispose(); // warm the code paths
                await Task.Delay(500);
                var before = await Figures();
                var opened = new SslStream[o.IdleConnections];
                await Parallel.ForEachAsync(Enumerable.Range(0, o.IdleConnections), new ParallelOptions { MaxDegreeOfParallelism = 16 },
                    async (i, _) => opened[i] = await ConnectAsync(port));
                clients.AddRange(opened);
                await Task.Delay(2000);
                var after = await Figures();
                double Per(int i) => (after[i] - before[i]) / (double)o.IdleConnections / 1024;
                report.Add($"Bare SslStream server, RSS per idle TLS connection, {mode}", Per(0), "KiB", note: $"{o.IdleConnections:#,0} connections");
                report.Add($"Bare SslStream server, native heap per idle TLS connection, {mode}", Per(1), "KiB");
                report.Add($"Bare SslStream server, managed heap per idle TLS connection, {mode}", Per(2), "KiB");
            }
            finally
            {
                foreach (var c in clients)
                {
                    await c.DisposeAsync();
                }
                if (!child.HasExited)
                {
                    child.Kill();
                }
                await child.WaitForExitAsync();
            }
        }
    }

    private static async Task<SslStream> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 });
        // A greeting, a command and its reply each way, as an IMAP client before IDLE.
        var buffer = new byte[64];
        _ = await ssl.ReadAsync(buffer);
        await ssl.WriteAsync("a NOOP\r\n"u8.ToArray());
        _ = await ssl.ReadAsync(buffer);
        return ssl;
    }

    /// <summary>The child: accepts TLS connections until its standard input ends; prints "RSS native managed" (bytes) per line read.</summary>
    public static async Task<int> ServeAsync(string mode)
    {
        using var certificate = TestCertificates.Create("localhost");
        var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(1024);
        Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture));
        _ = Task.Run(async () =>
        {
            while (true)
            {
                var socket = await listener.AcceptSocketAsync();
                _ = Task.Run(() => ServeOneAsync(socket, context, mode == "release"));
            }
        });
        while (await Console.In.ReadLineAsync() is not null)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var native = MallInfo2();
            var managed = GC.GetGCMemoryInfo().HeapSizeBytes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Environment.WorkingSet} {(long)(native.uordblks + native.hblkhd)} {managed}"));
        }
        return 0;
    }

    private static async Task ServeOneAsync(Socket socket, SslStreamCertificateContext context, bool release)
    {
        try
        {
            await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context, EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 });
            if (release)
            {
                await TlsIdleMemory.ReleaseAfterHandshakeAsync(ssl);
            }
            await ssl.WriteAsync("* OK\r\n"u8.ToArray());
            var buffer = new byte[64];
            while (true)
            {
                // The listener's idle read: zero bytes first, so no buffer is held while nothing arrives.
                _ = await ssl.ReadAsync(Memory<byte>.Empty);
                if (await ssl.ReadAsync(buffer) == 0)
                {
                    return;
                }
                await ssl.WriteAsync("a OK\r\n"u8.ToArray());
                if (release)
                {
                    TlsIdleMemory.FreeRecordBuffers(ssl);
                }
            }
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException)
        {
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallocInfo
    {
#pragma warning disable CS0649 // filled by glibc
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
#pragma warning restore CS0649
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallocInfo MallInfo2();
}

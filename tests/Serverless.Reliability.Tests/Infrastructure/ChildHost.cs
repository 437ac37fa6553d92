using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Reliability.Tests.Infrastructure;

/// <summary>
/// A real separate process — the built listener (<c>Serverless.Listeners.dll</c>) or dev host
/// (<c>Serverless.DevHost.dll</c>) from this test's output folder — configured through environment
/// variables, so a test can kill it with SIGKILL at a chosen moment, as a crash or an evicted
/// container would end it. Its output is kept for failure messages.
/// </summary>
public sealed class ChildHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildHost(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="assembly"/> (a dll next to this test) with these settings as environment variables.</summary>
    public static ChildHost Start(string assembly, IReadOnlyDictionary<string, string?> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        start.Environment.Remove("APPLICATIONINSIGHTS_CONNECTION_STRING");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return new ChildHost(Process.Start(start) ?? throw new InvalidOperationException("Cannot start " + assembly));
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/> (the process is up).</summary>
    public async Task WaitForPortAsync(int port, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The child process exited ({_process.ExitCode}):\n{Output}");
            }
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"Port {port} did not open:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown code runs, no buffer is flushed, nothing is cleaned up.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}

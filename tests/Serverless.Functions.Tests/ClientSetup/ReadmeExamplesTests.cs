using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Serverless.Testing;
using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Functions.Tests.ClientSetup;

/// <summary>
/// README.md's examples work as written against a fresh <c>./run.sh</c>: every <c>```sh</c> block
/// runs, in order, in one bash process against the dev host with the demo mailbox, as a reader would
/// paste them (blocks that need Azure are fenced <c>```bash</c> and left out). The only changes are
/// the ones a fresh stack on free ports needs: the local ports become the stack's, <c>.data/</c>
/// its data folder. curl answers of 401, 403, 404 or 5xx fail the run (a wrong key, login or path);
/// 400 and 409 are what some examples show on purpose.
/// </summary>
public sealed partial class ReadmeExamplesTests
{
    private static readonly Dictionary<int, string> LocalPorts = new()
    {
        [2525] = "Smtp", [2587] = "Submission", [2465] = "Submissions", [2143] = "Imap", [2993] = "Imaps", [2110] = "Pop3", [2995] = "Pop3s",
    };

    [Fact]
    public async Task Every_sh_example_in_the_readme_runs_against_a_fresh_dev_host()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "README.md"));
        var blocks = ShBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 8, $"only {blocks.Count} sh blocks found");
        Assert.Contains(blocks, b => b.Contains("ADMIN=$(cat .data/admin-key)", StringComparison.Ordinal));

        var work = Path.Combine(Path.GetTempPath(), "readme-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(work, ".data");
        Directory.CreateDirectory(data);
        try
        {
            const string adminKey = "readme-admin-key-0123456789abcdefghij";
            await File.WriteAllTextAsync(Path.Combine(data, "admin-key"), adminKey + "\n");
            await using var stack = await DevHostStack.StartAsync(new DevHostStackOptions
            {
                HostName = "localhost",
                Settings = new Dictionary<string, string?>
                {
                    ["Mail:AdminApiKey"] = adminKey,
                    ["Mail:DevHost:Demo:PasswordFile"] = Path.Combine(data, "demo-password"),
                    // As ./run.sh sets them.
                    ["Mail:Listeners:AllowPlaintextAuthOnLoopback"] = "true",
                },
            });
            var script = new StringBuilder("""
                set -euo pipefail
                # curl as the examples use it, failing on the answers no example expects.
                curl() {
                  local out code
                  out=$(command curl -sS -w '\n%{http_code}' "$@")
                  code=${out##*$'\n'}
                  printf '%s\n' "${out%$'\n'*}"
                  case $code in 2??|400|409) ;; *) echo "README example failed: HTTP $code for curl $*" >&2; return 1 ;; esac
                }

                """);
            foreach (var block in blocks)
            {
                var local = LocalPort().Replace(block, m =>
                {
                    var port = int.Parse(m.Value, CultureInfo.InvariantCulture);
                    return port == 7071 ? stack.ApiPort.ToString(CultureInfo.InvariantCulture) : stack.Port(LocalPorts[port]).ToString(CultureInfo.InvariantCulture);
                });
                script.Append("echo '>>> next README block' >&2\n").Append(local.Replace(".data/", data + "/", StringComparison.Ordinal)).Append('\n');
            }
            var (exit, output) = await RunBashAsync(script.ToString(), work);
            Assert.True(exit == 0, $"README examples failed (exit {exit}):\n{output}");
            Assert.Contains("<clientConfig version=\"1.1\">", output, StringComparison.Ordinal);
            Assert.Contains("version: STSv1", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(work, "demo.mobileconfig")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunBashAsync(string script, string workingDirectory)
    {
        var file = Path.Combine(workingDirectory, "readme-examples.sh");
        await File.WriteAllTextAsync(file, script);
        var start = new ProcessStartInfo("bash", [file])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var lockObject = new object();
        process.OutputDataReceived += (_, e) => { lock (lockObject) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (lockObject) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("README examples still running after 3 minutes:\n" + output);
        }
        process.WaitForExit();
        lock (lockObject)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Serverless.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^```sh\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ShBlock();

    [GeneratedRegex(@"\b(2525|2587|2465|2143|2993|2110|2995|7071)\b")]
    private static partial Regex LocalPort();
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Serverless.Infra.Tests.Infrastructure;
using Serverless.Testing;
using Xunit;

namespace Serverless.Infra.Tests;

/// <summary>
/// What the Dockerfile runs: the output of <c>dotnet publish</c> of the listeners, started as its
/// own process through the same apphost the container's ENTRYPOINT names. ./test.sh publishes it
/// first (MAIL_LISTENERS_PUBLISH_DIR); run alone, the test publishes the build it was given. ACME is
/// on (nothing to order from), so its public HTTP port is there too.
/// </summary>
public sealed class PublishedListenerTests
{
    [Fact]
    public async Task The_published_listener_starts_answers_healthz_and_greets_on_smtp()
    {
        var publishDir = await PublishOutput.DirectoryAsync("MAIL_LISTENERS_PUBLISH_DIR", "listeners/Serverless.Listeners/Serverless.Listeners.csproj");
        var apphost = Path.Combine(publishDir, "Serverless.Listeners");
        Assert.True(File.Exists(apphost), $"no apphost in {publishDir}");
        Assert.True(File.Exists(Path.Combine(publishDir, "appsettings.json")));

        var health = AzuriteProcess.FreePort();
        var smtp = AzuriteProcess.FreePort();
        var acmeHttp = AzuriteProcess.FreePort();
        var start = new ProcessStartInfo(apphost)
        {
            WorkingDirectory = publishDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in await TestStorage.SettingsAsync())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        start.Environment["Mail__Listeners__Ports__Health"] = health.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Mail__Listeners__Ports__Smtp"] = smtp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var other in new[] { "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve" })
        {
            start.Environment[$"Mail__Listeners__Ports__{other}"] = "0";
        }
        start.Environment["Mail__Listeners__HostName"] = "mx.published.test";
        // ACME on, with no server to order from: its public HTTP-01 port is open, and answers only challenges.
        start.Environment["Mail__Acme__DirectoryUrl"] = "https://127.0.0.1:9/dir";
        start.Environment["Mail__Listeners__Ports__Http"] = acmeHttp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Mail__Tls__DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        start.Environment.Remove("APPLICATIONINSIGHTS_CONNECTION_STRING");

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    status = (await http.GetAsync(new Uri($"http://127.0.0.1:{health}/healthz"))).StatusCode;
                    if (status == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // not listening yet, or slow to answer on a loaded machine: ask again until the deadline
                }
                await Task.Delay(200);
            }
            Assert.True(status == HttpStatusCode.OK, $"/healthz gave {status?.ToString() ?? "no answer"}; output:\n{output}");
            // It serves the self-signed development certificate: said on /healthz and in the log, never silent.
            var healthBody = await http.GetStringAsync(new Uri($"http://127.0.0.1:{health}/healthz"));
            Assert.StartsWith("Degraded\nTLS: serving a self-signed certificate", healthBody, StringComparison.Ordinal);
            lock (output)
            {
                Assert.Contains("TLS: serving a self-signed certificate", output.ToString(), StringComparison.Ordinal);
            }

            // /healthz stays on the private health port; the public HTTP-01 port tells nothing but challenges.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://127.0.0.1:{acmeHttp}/healthz"))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://127.0.0.1:{acmeHttp}/.well-known/acme-challenge/none"))).StatusCode);

            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, smtp);
            using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
            var greeting = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("220 ", greeting, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
    }
}

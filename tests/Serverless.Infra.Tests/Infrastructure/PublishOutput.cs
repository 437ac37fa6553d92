using System.Diagnostics;
using System.Reflection;
using Serverless.Testing;
using Xunit;

namespace Serverless.Infra.Tests.Infrastructure;

/// <summary>
/// The output of <c>dotnet publish</c> of one deployable project: ./test.sh publishes both first
/// and names the folders in an environment variable; run alone, a test publishes the build it
/// was given (<c>--no-build</c>) into a temporary folder.
/// </summary>
public static class PublishOutput
{
    public static async Task<string> DirectoryAsync(string environmentVariable, string projectRelativePath)
    {
        var fromScript = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(fromScript))
        {
            return fromScript;
        }
        var configuration = typeof(PublishOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
        var output = Path.Combine(Path.GetTempPath(), "serverless-mail-publish-" + Path.GetFileNameWithoutExtension(projectRelativePath) + "-" + Guid.NewGuid().ToString("N")[..8]);
        var project = Path.Combine(AzuriteProcess.RepositoryRoot(), projectRelativePath);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", project, "-c", configuration, "--no-build", "--nologo", "-v", "quiet", "-o", output },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var publish = Process.Start(start)!;
        var log = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{await log}\n{await errors}");
        return output;
    }
}

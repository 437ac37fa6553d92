using Serverless.Testing.Stack;
using Xunit;

namespace Serverless.Cli.Tests;

/// <summary>One dev host (listeners, API, loopback DNS server) shared by a test class; each test makes its own tenant.</summary>
public sealed class CliStackFixture : IAsyncLifetime
{
    public DevHostStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await DevHostStack.StartAsync(new DevHostStackOptions
    {
        HostName = "mail.cli.test",
        Settings = new Dictionary<string, string?>
        {
            ["Mail:AdminApiKey"] = SmailRunner.AdminKey,
            ["Mail:Provisioning:MaxFailedAuthPerIp"] = "1000",
            // A password set through smail counts at the listeners' next login, not after their 15-second account cache.
            ["Mail:Security:AccountCacheLifetime"] = "00:00:00",
        },
    });

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

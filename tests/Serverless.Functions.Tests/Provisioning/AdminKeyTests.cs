using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Http;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>
/// An admin key that is an unresolved Key Vault reference, or shorter than 32 characters, is
/// refused: every admin call gets 401, and the reason is logged once, without the key.
/// </summary>
public sealed class AdminKeyTests
{
    private const string UnresolvedReference = "@Microsoft.KeyVault(SecretUri=https://mail-kv.vault.azure.net/secrets/mail-admin-api-key)";

    [Theory]
    [InlineData(UnresolvedReference)]
    [InlineData("short-admin-key-0123456789abcde")] // 31 characters
    public async Task A_refused_admin_key_opens_no_admin_route(string key)
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Mail:AdminApiKey"] = key });
        var tenants = host.Function<TenantsFunction>();
        Expect(await Send(Request("GET", key), tenants.List), "ListTenants", 401);
        Expect(await Send(Request("POST", key, new { id = "t-one" }, clientIp: "192.0.2.11"), tenants.Create), "CreateTenant", 401);
        Expect(await Send(Request("GET", key, clientIp: "192.0.2.12"), r => tenants.Get(r, "t-one")), "GetTenant", 401);
    }

    [Fact]
    public async Task A_key_of_32_characters_or_more_works()
    {
        Assert.True(AdminKey.Length >= ApiGate.MinAdminKeyLength);
        var key = new string('k', ApiGate.MinAdminKeyLength);
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Mail:AdminApiKey"] = key });
        Expect(await Send(Request("GET", key), host.Function<TenantsFunction>().List), "ListTenants", 200);
    }

    [Fact]
    public async Task Why_is_logged_once_and_without_the_key()
    {
        await using var host = await StartAsync();
        var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new ProvisioningOptions { AdminApiKey = UnresolvedReference };
        var gate = new ApiGate(host.Services.GetRequiredService<MailDirectory>(), options, factory.CreateLogger<ApiGate>());
        for (var i = 0; i < 3; i++)
        {
            var response = await Send(Request("GET", UnresolvedReference, clientIp: $"192.0.2.{20 + i}"),
                r => gate.RunAsync(r, ApiAccess.Admin, null, _ => Task.FromResult(ApiProblem.Status(200, "unreachable"))));
            Assert.Equal(401, response.Status);
        }
        var refused = Assert.Single(logs.Entries, e => e.Contains("Mail:AdminApiKey", StringComparison.Ordinal));
        Assert.Contains("Key Vault reference", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Contains("mail-admin-api-key", StringComparison.Ordinal) || e.Contains("vault.azure.net", StringComparison.Ordinal));

        var shortKey = "tiny-key";
        _ = new ApiGate(host.Services.GetRequiredService<MailDirectory>(), new ProvisioningOptions { AdminApiKey = shortKey }, factory.CreateLogger<ApiGate>());
        Assert.Contains(logs.Entries, e => e.Contains("shorter than 32", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Contains(shortKey, StringComparison.Ordinal));
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new ListLogger(Entries);

        public void Dispose()
        {
        }

        private sealed class ListLogger(System.Collections.Concurrent.ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(formatter(state, exception));
        }
    }
}

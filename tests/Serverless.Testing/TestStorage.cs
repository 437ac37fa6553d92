using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Hosting;
using Serverless.Mail.Storage;

namespace Serverless.Testing;

/// <summary>
/// Storage for one test: the Azurite that ./test.sh started (MAIL_TEST_STORAGE) or, when run
/// outside it, one Azurite started once for the test process; plus a fresh name prefix so tests
/// never see each other's tables, containers or queues.
/// </summary>
public static class TestStorage
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _shared;

    /// <summary>PBKDF2 iterations used in tests: the real algorithm, fewer rounds to keep the suite fast.</summary>
    public const int TestPbkdf2Iterations = 1000;

    public static async Task<string> ConnectionStringAsync()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MAIL_TEST_STORAGE");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }
        await Gate.WaitAsync();
        try
        {
            if (_shared is null)
            {
                var azurite = await AzuriteProcess.StartAsync();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.StopAsync().GetAwaiter().GetResult();
                _shared = azurite.ConnectionString;
            }
            return _shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Configuration for an isolated deployment on the test Azurite.</summary>
    public static async Task<Dictionary<string, string?>> SettingsAsync(string? prefix = null, string? connectionString = null) => new()
    {
        ["Mail:Storage:ConnectionString"] = connectionString ?? await ConnectionStringAsync(),
        ["Mail:Storage:Prefix"] = prefix ?? NewPrefix(),
        ["Mail:Security:Pbkdf2Iterations"] = TestPbkdf2Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // The change feed's writes happen in the background after an index write, so they would land
        // in any test's storage-request count at random; tests that pin a cost pin the index's own.
        // The feed's tests turn it on (FeedOn) and pin its cost themselves.
        ["Mail:ChangeFeed:Enabled"] = "false",
    };

    /// <summary>Settings that turn the change feed on (it is off in test storage settings by default).</summary>
    public static readonly IReadOnlyDictionary<string, string?> FeedOn = new Dictionary<string, string?> { ["Mail:ChangeFeed:Enabled"] = "true" };

    /// <summary>
    /// A service provider with the core services on fresh storage, created and ready.
    /// <paramref name="configure"/> runs before the core registrations, so it can replace a service.
    /// </summary>
    public static async Task<ServiceProvider> CreateServicesAsync(string? prefix = null, IDictionary<string, string?>? extra = null, string? connectionString = null,
        Action<IServiceCollection>? configure = null)
    {
        var settings = await SettingsAsync(prefix, connectionString);
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        configure?.Invoke(services);
        services.AddServerlessMail(configuration);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        return provider;
    }
}

using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Serverless.Functions;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Hosting;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Infra.Tests;

public sealed class TelemetryTests
{
    // An ingestion endpoint on loopback that refuses connections: nothing leaves the machine.
    private const string FakeConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

    private static IConfiguration Configuration(Dictionary<string, string?> settings, bool withAppInsights)
    {
        if (withAppInsights)
        {
            settings[TelemetryServiceCollectionExtensions.ConnectionStringSetting] = FakeConnectionString;
            settings["Mail:Telemetry:OfflineStorage"] = "false";
        }
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    [Fact]
    public async Task Without_an_application_insights_connection_string_nothing_is_exported()
    {
        var services = new ServiceCollection().AddMailFunctions(Configuration(await TestStorage.SettingsAsync(), withAppInsights: false));
        await using var provider = services.BuildServiceProvider();
        Assert.Null(provider.GetService<MeterProvider>());
        Assert.Null(provider.GetService<MailTelemetryRegistration>());
    }

    [Fact]
    public async Task Both_hosts_register_telemetry_when_application_insights_is_configured()
    {
        var functions = new ServiceCollection().AddMailFunctions(Configuration(await TestStorage.SettingsAsync(), withAppInsights: true));
        await using (var provider = functions.BuildServiceProvider())
        {
            var registration = provider.GetRequiredService<MailTelemetryRegistration>();
            Assert.Equal("api", registration.ServiceName);
            // Logs already travel through the Functions host; exporting them here would double them.
            Assert.Equal(TelemetrySignals.Metrics | TelemetrySignals.Traces, registration.Signals);
            Assert.NotNull(provider.GetService<MeterProvider>());
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(Configuration(await TestStorage.SettingsAsync(), withAppInsights: true));
        builder.AddMailListeners();
        await using var app = builder.Build();
        var listeners = app.Services.GetRequiredService<MailTelemetryRegistration>();
        Assert.Equal("listeners", listeners.ServiceName);
        Assert.Equal(TelemetrySignals.All, listeners.Signals);
    }

    [Fact]
    public async Task Storage_requests_are_exported_as_the_serverless_mail_storage_meter()
    {
        var exported = new List<Metric>();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        var configuration = Configuration(await TestStorage.SettingsAsync(), withAppInsights: true);
        services.AddServerlessMail(configuration);
        services.AddMailTelemetry(configuration, "api", TelemetrySignals.Metrics);
        services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported));
        await using var provider = services.BuildServiceProvider();
        var meters = provider.GetRequiredService<MeterProvider>();

        await provider.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        meters.ForceFlush(5000);

        var requests = exported.Where(m => m.MeterName == StorageRequestMeter.MeterName && m.Name == "mail.storage.requests").ToList();
        Assert.NotEmpty(requests);
        long total = 0;
        foreach (var metric in requests)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                total += point.GetSumLong();
            }
        }
        Assert.True(total > 0, "no storage request counted");
    }

    [Fact]
    public void The_authentication_string_selects_the_user_assigned_identity()
    {
        Assert.IsType<ManagedIdentityCredential>(TelemetryServiceCollectionExtensions.CredentialFor("ClientId=2b7c6a1e-0000-4000-8000-000000000001;Authorization=AAD"));
        Assert.IsType<ManagedIdentityCredential>(TelemetryServiceCollectionExtensions.CredentialFor("Authorization=AAD"));
        Assert.Null(TelemetryServiceCollectionExtensions.CredentialFor(null));
        Assert.Null(TelemetryServiceCollectionExtensions.CredentialFor("ClientId=abc"));
    }
}

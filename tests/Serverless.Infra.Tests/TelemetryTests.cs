using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.Infra.Tests.Infrastructure;
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

    [Fact]
    public async Task With_only_an_otlp_endpoint_both_hosts_export_there_and_not_to_application_insights()
    {
        var settings = await TestStorage.SettingsAsync();
        settings[TelemetryServiceCollectionExtensions.OtlpEndpointSetting] = "http://127.0.0.1:9";
        var functions = new ServiceCollection().AddMailFunctions(Configuration(settings, withAppInsights: false));
        await using (var provider = functions.BuildServiceProvider())
        {
            Assert.Equal(TelemetryExporters.Otlp, provider.GetRequiredService<MailTelemetryRegistration>().Exporters);
            Assert.NotNull(provider.GetService<MeterProvider>());
            Assert.NotNull(provider.GetService<TracerProvider>());
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(Configuration(await TestStorage.SettingsAsync(), withAppInsights: true));
        builder.Configuration[TelemetryServiceCollectionExtensions.OtlpEndpointSetting] = "http://127.0.0.1:9";
        builder.AddMailListeners();
        await using var app = builder.Build();
        Assert.Equal(TelemetryExporters.AzureMonitor | TelemetryExporters.Otlp, app.Services.GetRequiredService<MailTelemetryRegistration>().Exporters);
        // The listeners sample queue depths only when something exports them.
        Assert.Contains(app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is QueueDepthSampler);
    }

    [Fact]
    public async Task The_otlp_exporter_posts_the_service_metrics_to_the_endpoint_over_http_protobuf()
    {
        // A stand-in collector: it only records what arrives (decoding OTLP is the collector's job).
        var received = new List<(string Path, string? ContentType, long Length)>();
        var collector = WebApplication.CreateSlimBuilder();
        collector.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        await using var server = collector.Build();
        server.MapPost("/{**path}", async (Microsoft.AspNetCore.Http.HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            lock (received)
            {
                received.Add((context.Request.Path, context.Request.ContentType, body.Length));
            }
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        await server.StartAsync();
        var address = server.Urls.Single();

        var settings = await TestStorage.SettingsAsync();
        settings[TelemetryServiceCollectionExtensions.OtlpEndpointSetting] = address;
        settings[TelemetryServiceCollectionExtensions.OtlpProtocolSetting] = "http/protobuf";
        var configuration = Configuration(settings, withAppInsights: false);
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddServerlessMail(configuration);
        services.AddMailTelemetry(configuration, "api", TelemetrySignals.Metrics);
        await using var provider = services.BuildServiceProvider();
        var meters = provider.GetRequiredService<MeterProvider>();

        MailMetrics.Accepted(submission: false);
        await provider.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        Assert.True(meters.ForceFlush(10_000), "the OTLP export did not complete");

        lock (received)
        {
            Assert.Contains(received, r => r.Path == "/v1/metrics" && r.ContentType == "application/x-protobuf" && r.Length > 0);
        }
    }

    [Fact]
    public async Task Queue_depths_are_sampled_from_storage_and_published_as_a_gauge()
    {
        var configuration = Configuration(await TestStorage.SettingsAsync(), withAppInsights: false);
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddServerlessMail(configuration);
        await using var provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<MailStorage>();
        await storage.EnsureCreatedAsync();
        await storage.Inbound.SendMessageAsync("{}");
        await storage.Inbound.SendMessageAsync("{}");

        var sampler = ActivatorUtilities.CreateInstance<QueueDepthSampler>(provider);
        await sampler.SampleAsync(CancellationToken.None);
        Assert.Equal(2, sampler.Depths[StorageNames.InboundQueue]);
        Assert.Equal(0, sampler.Depths[StorageNames.InboundQueue + StorageNames.PoisonSuffix]);
        Assert.Equal(QueueDepthSampler.LogicalQueues.Count * 2, sampler.Depths.Count);

        MailMetrics.ObserveQueueDepths(() => sampler.Depths);
        var observed = new Dictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MailMetrics.MeterName && instrument.Name == "mail.queue.depth")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "queue")
                {
                    observed[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(2, observed[StorageNames.InboundQueue]);
    }

    [Fact]
    public async Task The_dashboard_is_deployed_on_application_insights_and_charts_every_service_metric()
    {
        var main = (await BicepCompilation.MainAsync()).Template();
        var workbook = Assert.Single(main.Module("dashboard").OfType("Microsoft.Insights/workbooks"));
        Assert.Contains("Microsoft.Insights/components", (string?)workbook["properties"]!["sourceId"], StringComparison.Ordinal);
        // loadTextContent puts the file into a template variable; the variable is what is deployed.
        var data = (string)workbook["properties"]!["serializedData"]!;
        var variable = data["[variables('".Length..^"')]".Length];
        var queries = System.Text.Json.Nodes.JsonNode.Parse((string)main.Module("dashboard").Variables[variable]!)!["items"]!.AsArray()
            .Select(i => (string?)i!["content"]!["query"]).Where(q => q is not null).ToList();
        foreach (var instrument in MailMetrics.InstrumentNames.Concat(["mail.storage.requests", "mail.storage.duration"]))
        {
            Assert.True(queries.Any(q => q!.Contains($"\"{instrument}\"", StringComparison.Ordinal)), $"the dashboard does not chart {instrument}");
        }
    }
}

using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Hosting;

/// <summary>
/// OpenTelemetry for both hosts. Two exporters, either or both: Application Insights when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (the Bicep sets it in Azure), and OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (any collector, Grafana, Jaeger...; protocol from
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>grpc</c> by default or <c>http/protobuf</c>, headers from
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c>). With neither (locally, in tests) nothing is exported. With
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING=ClientId=...;Authorization=AAD</c> the Application
/// Insights exporter authenticates with that managed identity, so Application Insights can refuse
/// key-only ingestion.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpProtocolSetting = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string OtlpHeadersSetting = "OTEL_EXPORTER_OTLP_HEADERS";

    /// <summary>
    /// The meters exported: storage requests (each a billed transaction) and their latency, the
    /// service's own counters (<see cref="MailMetrics"/>), any other <c>Serverless.Mail.*</c> meter,
    /// ASP.NET Core's and Kestrel's connection meters and the .NET runtime.
    /// </summary>
    public static IReadOnlyList<string> Meters { get; } =
        [StorageRequestMeter.MeterName, MailMetrics.MeterName, "Serverless.Mail.*", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Hosting", "System.Runtime"];

    /// <summary>Activity sources traced: the service's own (<c>Serverless.Mail.*</c>).</summary>
    public static IReadOnlyList<string> ActivitySources { get; } = ["Serverless.Mail.*"];

    /// <summary>
    /// Adds the exporters for <paramref name="signals"/>, reported as cloud role
    /// <paramref name="serviceName"/>, with the runtime and HTTP client instrumentations (a host
    /// adds ASP.NET Core's, which core cannot reference, when <see cref="IsRegistered"/>). Once
    /// per service collection: the dev host runs both hosts in one process and must not export
    /// everything twice.
    /// </summary>
    public static IServiceCollection AddMailTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName, TelemetrySignals signals)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[ConnectionStringSetting];
        var otlpEndpoint = configuration[OtlpEndpointSetting];
        var exporters = (string.IsNullOrWhiteSpace(connectionString) ? TelemetryExporters.None : TelemetryExporters.AzureMonitor)
            | (string.IsNullOrWhiteSpace(otlpEndpoint) ? TelemetryExporters.None : TelemetryExporters.Otlp);
        if (exporters == TelemetryExporters.None || signals == TelemetrySignals.None || IsRegistered(services))
        {
            return services;
        }
        services.TryAddSingleton(new MailTelemetryRegistration(serviceName, signals, exporters));
        var credential = CredentialFor(configuration[AuthenticationStringSetting]);
        // Offline storage keeps telemetry across short outages (default on); tests turn it off.
        var offline = configuration.GetValue("Mail:Telemetry:OfflineStorage", defaultValue: true);
        void AzureMonitor(AzureMonitorExporterOptions options)
        {
            options.ConnectionString = connectionString;
            options.DisableOfflineStorage = !offline;
            if (credential is not null)
            {
                options.Credential = credential;
            }
        }
        var otlp = OtlpSettings.From(configuration);

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceNamespace: "serverless-mail", serviceInstanceId: Environment.MachineName));
        if (signals.HasFlag(TelemetrySignals.Metrics))
        {
            telemetry.WithMetrics(m =>
            {
                foreach (var meter in Meters)
                {
                    m.AddMeter(meter);
                }
                m.AddRuntimeInstrumentation().AddHttpClientInstrumentation();
                if (exporters.HasFlag(TelemetryExporters.AzureMonitor))
                {
                    m.AddAzureMonitorMetricExporter(AzureMonitor);
                }
                if (otlp is not null)
                {
                    m.AddOtlpExporter(o => otlp.Apply(o, "v1/metrics"));
                }
            });
        }
        if (signals.HasFlag(TelemetrySignals.Traces))
        {
            telemetry.WithTracing(t =>
            {
                foreach (var source in ActivitySources)
                {
                    t.AddSource(source);
                }
                // Storage calls are many (the storage meter counts and times them all); as spans
                // they would multiply the trace volume, so they are traced only when asked for.
                var traceStorage = configuration.GetValue("Mail:Telemetry:TraceStorageRequests", defaultValue: false);
                t.AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = r => traceStorage || !IsStorageRequest(r.RequestUri));
                if (exporters.HasFlag(TelemetryExporters.AzureMonitor))
                {
                    t.AddAzureMonitorTraceExporter(AzureMonitor);
                }
                if (otlp is not null)
                {
                    t.AddOtlpExporter(o => otlp.Apply(o, "v1/traces"));
                }
            });
        }
        if (signals.HasFlag(TelemetrySignals.Logs))
        {
            telemetry.WithLogging(l =>
            {
                if (exporters.HasFlag(TelemetryExporters.AzureMonitor))
                {
                    l.AddAzureMonitorLogExporter(AzureMonitor);
                }
                if (otlp is not null)
                {
                    l.AddOtlpExporter(o => otlp.Apply(o, "v1/logs"));
                }
            });
        }
        return services;
    }

    /// <summary>A request to Azure Storage or the emulator (ports 10000–10002).</summary>
    internal static bool IsStorageRequest(Uri? uri) =>
        uri is not null && (uri.Host.EndsWith(".core.windows.net", StringComparison.OrdinalIgnoreCase) || uri.Port is >= 10000 and <= 10002);

    /// <summary>Whether <see cref="AddMailTelemetry"/> registered exporters in this collection.</summary>
    public static bool IsRegistered(IServiceCollection services) => services.Any(d => d.ServiceType == typeof(MailTelemetryRegistration));

    /// <summary>
    /// The managed identity named by an Application Insights authentication string
    /// (<c>ClientId=&lt;id&gt;;Authorization=AAD</c>, the format the Functions host reads too);
    /// null when it asks for no Entra ID authentication.
    /// </summary>
    public static TokenCredential? CredentialFor(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }
        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var mode) || !mode.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return parts.TryGetValue("ClientId", out var clientId) && !string.IsNullOrEmpty(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}

/// <summary>Marks that telemetry is registered, and how.</summary>
public sealed record MailTelemetryRegistration(string ServiceName, TelemetrySignals Signals, TelemetryExporters Exporters);

/// <summary>Where telemetry goes.</summary>
[Flags]
public enum TelemetryExporters
{
    None = 0,
    AzureMonitor = 1,
    Otlp = 2,
}

/// <summary>The standard OTLP settings (OpenTelemetry specification names), read once from configuration.</summary>
internal sealed record OtlpSettings(Uri Endpoint, OtlpExportProtocol Protocol, string? Headers)
{
    public static OtlpSettings? From(IConfiguration configuration)
    {
        var endpoint = configuration[TelemetryServiceCollectionExtensions.OtlpEndpointSetting];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }
        var protocol = configuration[TelemetryServiceCollectionExtensions.OtlpProtocolSetting] is "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        return new OtlpSettings(new Uri(endpoint), protocol, configuration[TelemetryServiceCollectionExtensions.OtlpHeadersSetting]);
    }

    /// <summary>
    /// gRPC takes the endpoint as it is; over HTTP each signal has its own path under it, as the
    /// specification says for OTEL_EXPORTER_OTLP_ENDPOINT.
    /// </summary>
    public void Apply(OtlpExporterOptions options, string signalPath)
    {
        options.Protocol = Protocol;
        options.Endpoint = Protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(Endpoint.ToString().TrimEnd('/') + "/" + signalPath) : Endpoint;
        if (!string.IsNullOrWhiteSpace(Headers))
        {
            options.Headers = Headers;
        }
    }
}

using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Hosting;

/// <summary>
/// OpenTelemetry for both hosts, exported to Application Insights when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (the Bicep sets it in Azure; locally and in
/// tests it is unset and nothing is exported). With
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING=ClientId=...;Authorization=AAD</c> the exporter
/// authenticates with that managed identity, so Application Insights can refuse key-only ingestion.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// The meters exported: storage requests (each a billed transaction), any other
    /// <c>Serverless.Mail.*</c> meter, Kestrel's connection meters and the .NET runtime.
    /// </summary>
    public static IReadOnlyList<string> Meters { get; } =
        [StorageRequestMeter.MeterName, "Serverless.Mail.*", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <summary>Activity sources traced: the service's own (<c>Serverless.Mail.*</c>).</summary>
    public static IReadOnlyList<string> ActivitySources { get; } = ["Serverless.Mail.*"];

    /// <summary>
    /// Adds the exporters for <paramref name="signals"/>, reported as cloud role
    /// <paramref name="serviceName"/>. Once per service collection: the dev host runs both hosts in
    /// one process and must not export everything twice.
    /// </summary>
    public static IServiceCollection AddMailTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName, TelemetrySignals signals)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString) || signals == TelemetrySignals.None || services.Any(d => d.ServiceType == typeof(MailTelemetryRegistration)))
        {
            return services;
        }
        services.TryAddSingleton(new MailTelemetryRegistration(serviceName, signals));
        var credential = CredentialFor(configuration[AuthenticationStringSetting]);
        // Offline storage keeps telemetry across short outages (default on); tests turn it off.
        var offline = configuration.GetValue("Mail:Telemetry:OfflineStorage", defaultValue: true);
        void Exporter(AzureMonitorExporterOptions options)
        {
            options.ConnectionString = connectionString;
            options.DisableOfflineStorage = !offline;
            if (credential is not null)
            {
                options.Credential = credential;
            }
        }

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
                m.AddAzureMonitorMetricExporter(Exporter);
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
                t.AddAzureMonitorTraceExporter(Exporter);
            });
        }
        if (signals.HasFlag(TelemetrySignals.Logs))
        {
            telemetry.WithLogging(l => l.AddAzureMonitorLogExporter(Exporter));
        }
        return services;
    }

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
public sealed record MailTelemetryRegistration(string ServiceName, TelemetrySignals Signals);

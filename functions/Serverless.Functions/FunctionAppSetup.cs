using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Serverless.Functions.Http.Api;
using Serverless.Functions.Http.Provisioning;
using Serverless.Mail.Accounts;
using Serverless.Mail.Hosting;
using Serverless.Mail.Provisioning;

namespace Serverless.Functions;

/// <summary>The services every function needs; used by the Functions host and by the local dev host alike.</summary>
public static class FunctionAppSetup
{
    public static IServiceCollection AddMailFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessMail(configuration);
        // Logs reach Application Insights through the Functions host already.
        services.AddMailTelemetry(configuration, "api", TelemetrySignals.Metrics | TelemetrySignals.Traces);
        if (TelemetryServiceCollectionExtensions.IsRegistered(services))
        {
            // The HTTP triggers run through ASP.NET Core in the worker (Extensions.Http.AspNetCore).
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddAspNetCoreInstrumentation());
        }
        services.AddMailProvisioning(configuration);
        Serverless.Mail.Usage.UsageServiceCollectionExtensions.AddUsageFlush(services);
        services.AddSingleton<Serverless.Mail.Outbound.OutboundListing>();
        services.AddSingleton<Serverless.Mail.Outbound.OutboundControl>();
        services.AddSingleton<Serverless.Mail.Operations.PoisonQueues>();
        services.AddSingleton<Serverless.Mail.Operations.PoisonQueueOperations>();

        // HTTP: the gate in front of every route, and the adapters the HTTP functions call.
        services.TryAddSingleton(sp => new ApiGate(sp.GetRequiredService<MailDirectory>(), sp.GetRequiredService<ProvisioningOptions>(),
            sp.GetRequiredService<ILogger<ApiGate>>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton<TenantRequests>();
        services.TryAddSingleton<ApiKeyRequests>();
        services.TryAddSingleton<DomainRequests>();
        services.TryAddSingleton<MailboxRequests>();
        services.TryAddSingleton<AliasRequests>();
        services.TryAddSingleton<SendAsRequests>();
        services.TryAddSingleton<SpamTrainingRequests>();
        services.TryAddSingleton<SpamSettingsRequests>();
        services.TryAddSingleton<SieveRequests>();
        services.TryAddSingleton<OutboundRequests>();
        services.TryAddSingleton<PoisonQueueRequests>();
        services.TryAddSingleton<UsageRequests>();
        services.TryAddSingleton<TenantQuotaRequests>();
        services.TryAddSingleton<ImportRequests>();
        return services;
    }
}

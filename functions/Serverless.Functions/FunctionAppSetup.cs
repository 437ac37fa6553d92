using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
        services.AddMailProvisioning(configuration);
        services.AddSingleton<Serverless.Mail.Outbound.OutboundListing>(); // needs the provisioning API's gate
        services.AddSingleton<Serverless.Mail.Operations.PoisonQueues>();
        services.AddSingleton<Serverless.Mail.Operations.PoisonQueueApi>();
        return services;
    }
}

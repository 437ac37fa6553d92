using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Serverless.Mail.Usage;

public static class UsageServiceCollectionExtensions
{
    /// <summary>Usage per tenant: the meters, the table, the report (called by AddServerlessMail).</summary>
    public static IServiceCollection AddTenantUsage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ =>
        {
            var options = new UsageOptions();
            configuration.GetSection(UsageOptions.Section).Bind(options);
            return options;
        });
        services.TryAddSingleton<TenantUsageMeter>();
        services.TryAddSingleton<UsageStore>();
        services.TryAddSingleton<UsageRecorder>();
        services.TryAddSingleton<UsageSampler>();
        services.TryAddSingleton<UsageReport>();
        services.TryAddSingleton<TenantQuotaGate>();
        return services;
    }

    /// <summary>Every host that handles mail writes its counts periodically (function app, listeners, dev host).</summary>
    public static IServiceCollection AddUsageFlush(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, UsageFlushService>());
        return services;
    }
}

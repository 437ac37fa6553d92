using Microsoft.Extensions.Configuration;

namespace Serverless.Listeners.ManageSieve;

public static class ManageSieveHosting
{
    /// <summary>Registers what the ManageSieve connection handler needs beyond the core services.</summary>
    public static IServiceCollection AddManageSieveListener(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new ManageSieveOptions();
        configuration.GetSection(ManageSieveOptions.Section).Bind(options);
        services.AddSingleton(options);
        return services;
    }
}

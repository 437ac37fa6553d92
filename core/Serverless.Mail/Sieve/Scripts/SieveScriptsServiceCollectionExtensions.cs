using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.Mail.Sieve.Scripts;

public static class SieveScriptsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the script store and <see cref="ISieveScriptSource"/> (core services must be added
    /// too: <c>AddServerlessMail</c>). <see cref="ISieveChecker"/> comes from the Sieve language's registration.
    /// </summary>
    public static IServiceCollection AddSieveScripts(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SieveOptions();
        configuration.GetSection(SieveOptions.Section).Bind(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<SieveScripts>();
        services.TryAddSingleton<SieveScriptSource>();
        services.TryAddSingleton<ISieveScriptSource>(sp => sp.GetRequiredService<SieveScriptSource>());
        return services;
    }
}

using Microsoft.Extensions.Configuration;

namespace Serverless.Listeners.Pop3;

public static class Pop3Hosting
{
    /// <summary>Registers what the POP3 connection handler needs beyond the core services.</summary>
    public static IServiceCollection AddPop3Listener(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new Pop3Options();
        configuration.GetSection(Pop3Options.Section).Bind(options);
        services.AddSingleton(options);
        services.AddSingleton(new Pop3ReadAheadBudget(options.ReadAheadMaxBytes)); // one per process, shared by both POP3 ports
        return services;
    }
}

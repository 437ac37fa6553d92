using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Mail.Spam.Signals;

namespace Serverless.Mail.Spam;

public static class SpamServiceCollectionExtensions
{
    /// <summary>
    /// The spam score and its signals. The content classifier is not registered here: whatever
    /// <see cref="IContentClassifier"/> is registered is used, none means no content signal.
    /// </summary>
    public static IServiceCollection AddSpamScoring(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => SpamOptions.Bind(configuration));
        services.TryAddSingleton<SpamSettingsStore>();
        services.TryAddSingleton<SenderReputation>();
        services.TryAddSingleton<DnsblSignal>();
        services.TryAddSingleton<ReverseDnsSignal>();
        services.TryAddSingleton<HeloSignal>();
        services.TryAddSingleton<AuthenticationSignal>();
        services.TryAddSingleton<ReputationSignal>();
        services.TryAddSingleton<ContentSignal>();
        services.TryAddSingleton<RspamdSignal>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionSignal, DnsblSignal>(sp => sp.GetRequiredService<DnsblSignal>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionSignal, ReverseDnsSignal>(sp => sp.GetRequiredService<ReverseDnsSignal>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionSignal, HeloSignal>(sp => sp.GetRequiredService<HeloSignal>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSignal, DnsblSignal>(sp => sp.GetRequiredService<DnsblSignal>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSignal, AuthenticationSignal>(sp => sp.GetRequiredService<AuthenticationSignal>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSignal, ReputationSignal>(sp => sp.GetRequiredService<ReputationSignal>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSignal, ContentSignal>(sp => sp.GetRequiredService<ContentSignal>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSignal, RspamdSignal>(sp => sp.GetRequiredService<RspamdSignal>()));
        services.TryAddSingleton<SpamScorer>();
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Mail.Spam.Bayes;

namespace Serverless.Mail.Spam.Learning;

public static class SpamLearningServiceCollectionExtensions
{
    /// <summary>The content classifier (<see cref="IContentClassifier"/>), its token store and learning (options from <c>Mail:Spam:Learning</c>).</summary>
    public static IServiceCollection AddSpamLearning(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new SpamLearningOptions();
        configuration.GetSection(SpamLearningOptions.Section).Bind(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<TokenModelStore>();
        services.TryAddSingleton<IContentClassifier, BayesContentClassifier>();
        services.TryAddSingleton<SpamLearningQueue>();
        services.TryAddSingleton<SpamLearner>();
        services.TryAddSingleton<SpamTraining>();
        return services;
    }
}

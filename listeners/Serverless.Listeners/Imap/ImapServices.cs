using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Listeners.Caching;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Feed;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Security;
using Serverless.Mail.Spam.Learning;
using Serverless.Mail.Storage;
using Serverless.Mail.Usage;

namespace Serverless.Listeners.Imap;

/// <summary>What an IMAP session needs from the process: storage, logins, shared folder watchers and message cache, settings, the spam-learning queue, tenant quotas.</summary>
internal sealed partial record ImapServices(
    MailboxIndex Index,
    MessageStore Messages,
    LoginVerifier Logins,
    FolderWatchers Watchers,
    MessageCache Cache,
    ImapOptions Options,
    ListenerOptions Listener,
    TimeProvider Time,
    SpamLearningQueue SpamLearning,
    TenantQuotaGate Quotas)
{
    /// <summary>The process's storage meter: each command names itself on it, so requests can be told by IMAP command.</summary>
    public StorageRequestMeter? Meter { get; init; }
}

public static class ImapServiceCollectionExtensions
{
    /// <summary>Registers the IMAP listener's services (options from <c>Mail:Imap</c>).</summary>
    public static IServiceCollection AddImapListener(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new ImapOptions();
        configuration.GetSection(ImapOptions.Section).Bind(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<ChangeFeedReader>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeFeedReader>());
        services.TryAddSingleton<FolderWatchers>();
        services.AddMessageCache(configuration);
        services.TryAddSingleton(sp => new ImapServices(
            sp.GetRequiredService<MailboxIndex>(),
            sp.GetRequiredService<MessageStore>(),
            sp.GetRequiredService<LoginVerifier>(),
            sp.GetRequiredService<FolderWatchers>(),
            sp.GetRequiredService<MessageCache>(),
            sp.GetRequiredService<ImapOptions>(),
            sp.GetRequiredService<ListenerOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<SpamLearningQueue>(),
            sp.GetRequiredService<TenantQuotaGate>())
        {
            AccessKeys = sp.GetRequiredService<MailboxAccessKeys>(),
            Directory = sp.GetRequiredService<Serverless.Mail.Accounts.MailDirectory>(),
            Meter = sp.GetService<StorageRequestMeter>(),
        });
        return services;
    }
}

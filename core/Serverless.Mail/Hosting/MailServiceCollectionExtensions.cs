using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Serverless.Mail.Accounts;
using Serverless.Mail.Delivery;
using Serverless.Mail.Feed;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Migration;
using Serverless.Mail.Outbound;
using Serverless.Mail.Queues;
using Serverless.Mail.Security;
using Serverless.Mail.Spam.Learning;
using Serverless.Mail.Sieve.Scripts;
using Serverless.Mail.Storage;
using Serverless.Mail.Usage;

namespace Serverless.Mail.Hosting;

public static class MailServiceCollectionExtensions
{
    /// <summary>
    /// Registers storage, directory, index, queues and login checking. Both hosts (listeners and
    /// functions) call this once; settings come from ordinary .NET configuration (env: Mail__...).
    /// </summary>
    public static IServiceCollection AddServerlessMail(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        InvariantCultureInitializer.UseInvariantCulture();
        var storage = new StorageOptions();
        configuration.GetSection(StorageOptions.Section).Bind(storage);
        // The Functions host's own storage setting works too, so one setting is enough there.
        if (string.IsNullOrWhiteSpace(storage.ConnectionString) && string.IsNullOrWhiteSpace(storage.AccountName))
        {
            var webJobs = configuration["AzureWebJobsStorage"];
            if (!string.IsNullOrWhiteSpace(webJobs))
            {
                storage.ConnectionString = webJobs;
            }
            else
            {
                storage.AccountName = configuration["AzureWebJobsStorage:accountName"];
                storage.ClientId ??= configuration["AzureWebJobsStorage:clientId"];
            }
        }
        var security = new SecurityOptions();
        configuration.GetSection(SecurityOptions.Section).Bind(security);

        var index = new IndexOptions();
        configuration.GetSection(IndexOptions.Section).Bind(index);

        var feed = new ChangeFeedOptions();
        configuration.GetSection(ChangeFeedOptions.Section).Bind(feed);

        services.TryAddSingleton(storage);
        services.TryAddSingleton(index);
        services.TryAddSingleton(feed);
        services.TryAddSingleton<ChangeFeedWriter>();
        services.TryAddSingleton(security);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StorageRequestMeter>();
        services.TryAddSingleton<MailStorage>();
        services.TryAddSingleton<MessageStore>();
        services.TryAddSingleton<BlobHolders>();
        services.TryAddSingleton<MailboxIndex>();
        services.TryAddSingleton<MaildropLeases>();
        services.TryAddSingleton(sp => new PasswordHasher(sp.GetRequiredService<SecurityOptions>().Pbkdf2Iterations));
        services.TryAddSingleton<MailDirectory>();
        services.TryAddSingleton<RecipientResolver>();
        services.TryAddSingleton<LoginThrottle>();
        services.TryAddSingleton<LoginVerifier>();
        services.TryAddSingleton<MailboxAccessKeys>();
        // Mail:Queues:GroupInboundHandoffs (default true). Groups halve the inbound queue's requests;
        // once small mail rode in its hand-off (no blob to wait for) they also won msg/s on a quiet
        // machine (bench/README.md, "2026-12-04 23:14 UTC"). False (every hand-off alone) is what a
        // rolling upgrade needs while function apps that cannot read groups still consume.
        services.TryAddSingleton(sp => new MailQueues(sp.GetRequiredService<MailStorage>())
        {
            GroupInbound = configuration.GetValue("Mail:Queues:GroupInboundHandoffs", true),
            GroupLinger = configuration.GetValue("Mail:Queues:GroupLinger", TimeSpan.FromMilliseconds(2)),
            // Small MX mail rides in its hand-off instead of a blob (docs/storage.md, "Inbound mail in its hand-off").
            InlineHandoffBytes = Math.Max(0, configuration.GetValue("Mail:Queues:InlineHandoffBytes", MailQueues.DefaultInlineHandoffBytes)),
            // ... Brotli-compressed when that saves an eighth (version 3; false while a function app that reads only version 2 consumes).
            CompressCarried = configuration.GetValue("Mail:Queues:CompressCarriedMessages", true),
        });
        services.AddOutboundRelay(configuration);
        services.AddTenantUsage(configuration);
        services.AddInboundDelivery(configuration);
        services.AddSpamLearning(configuration);
        services.AddSieveScripts(configuration);
        services.AddMailboxMigration(configuration);
        services.AddHostedService<StorageInitializer>();
        services.AddHostedService<ChangeFeedFlush>();
        return services;
    }
}

/// <summary>Creates tables, containers and queues at startup (idempotent), retrying while storage is unreachable.</summary>
internal sealed class StorageInitializer(MailStorage storage, Microsoft.Extensions.Logging.ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException && attempt < 30)
            {
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, "Storage not ready (attempt {Attempt}): {Message}", attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Writes the change feed entries still waiting when the host stops (a scale-in, a deployment), so listeners hear of the last writes at once.</summary>
internal sealed class ChangeFeedFlush(ChangeFeedWriter feed) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await feed.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: listeners' fallback poll finds the rest.
        }
    }
}

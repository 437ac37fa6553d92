using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.Listeners.Caching;

/// <summary>The listener's read cache (section <c>Mail:Cache</c>; env <c>Mail__Cache__...</c>).</summary>
public sealed class CacheOptions
{
    public const string Section = "Mail:Cache";

    /// <summary>
    /// Bytes the cache may hold in all (message rows and message bytes together, estimated).
    /// Unset or 0: a tenth of the memory the runtime may use (the container's limit when there is one).
    /// </summary>
    public long MaxBytes { get; set; }

    /// <summary>Messages up to this size are kept whole in memory once read; larger ones are always streamed from storage.</summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Whether a message this process's SMTP listener accepts for a local mailbox is kept here
    /// (the exact bytes it stored, up to <see cref="MaxMessageBytes"/>), so its first IMAP FETCH or
    /// POP3 RETR reads no blob. Only where this process also serves IMAP or POP3; an MX alone (its
    /// IMAP and POP3 ports 0, as in Azure) keeps nothing whatever this says.
    /// </summary>
    public bool KeepReceived { get; set; } = true;

    /// <summary>The budget in effect: <see cref="MaxBytes"/>, or its default share of the memory available.</summary>
    public long EffectiveMaxBytes() =>
        MaxBytes > 0 ? MaxBytes : Math.Max(16L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 10);
}

public static class MessageCacheServiceCollectionExtensions
{
    /// <summary>Registers the process's one <see cref="MessageCache"/> (options from <c>Mail:Cache</c>).</summary>
    public static IServiceCollection AddMessageCache(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new CacheOptions();
        configuration.GetSection(CacheOptions.Section).Bind(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new MessageCache(sp.GetRequiredService<CacheOptions>()));
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.Mail.Migration;

public static class MigrationServiceCollectionExtensions
{
    /// <summary>Imports (IMAP, mbox, Maildir) and exports; options from <c>Mail:Import</c>.</summary>
    public static IServiceCollection AddMailboxMigration(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => ImportOptions.Bind(configuration));
        services.TryAddSingleton<SourcePasswords>();
        services.TryAddSingleton<ImportJobs>();
        services.TryAddSingleton<ImportFiling>();
        services.TryAddSingleton<ImapSourceConnection>();
        services.TryAddSingleton<MailboxImporter>();
        services.TryAddSingleton<MailboxImports>();
        services.TryAddSingleton<MailboxExport>();
        return services;
    }
}

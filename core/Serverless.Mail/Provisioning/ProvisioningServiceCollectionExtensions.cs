using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Mail.Provisioning.Dns;
using Serverless.Mail.Provisioning.Resources;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Provisioning;

public static class ProvisioningServiceCollectionExtensions
{
    /// <summary>
    /// Registers the provisioning services and the DKIM key store (core services must be added too:
    /// <c>AddServerlessMail</c>). DKIM private keys go to Key Vault when <c>Mail:KeyVault:Uri</c> is
    /// set (managed identity: <c>Mail:KeyVault:ClientId</c>, else <c>Mail:Storage:ClientId</c>, else
    /// the default credential chain), otherwise to the <c>keys</c> blob container. The outbound
    /// relay's <see cref="Outbound.IDkimSigningKeys"/> is pointed at the same store.
    /// </summary>
    public static IServiceCollection AddMailProvisioning(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ProvisioningOptions { MailHost = configuration["Mail:Listeners:HostName"] ?? "localhost" };
        // The listeners' own port settings first (where this process knows them), the explicit client ports over them.
        configuration.GetSection("Mail:Listeners:Ports").Bind(options.ClientPorts);
        configuration.GetSection(ProvisioningOptions.Section).Bind(options);
        options.ClientHost ??= configuration["Mail:Listeners:HostName"] ?? options.MailHost;
        options.WebHost ??= options.MtaStsPolicyHost ?? configuration["WEBSITE_HOSTNAME"] ?? options.MailHost;
        options.AdminApiKey = configuration["Mail:AdminApiKey"];
        foreach (var (setting, host) in new[]
        {
            ("Mail:Listeners:HostName", configuration["Mail:Listeners:HostName"]),
            ("Mail:Delivery:HostName", configuration["Mail:Delivery:HostName"]),
            ("Mail:Provisioning:MailHost", options.MailHost),
            ("Mail:Outbound:HeloName", configuration["Mail:Outbound:HeloName"]),
            ("Mail:Provisioning:MtaStsPolicyHost", options.MtaStsPolicyHost),
            ("Mail:Provisioning:WebHost", options.WebHost),
        })
        {
            if (!string.IsNullOrWhiteSpace(host))
            {
                options.ServiceHostNames.TryAdd(host.Trim().TrimEnd('.'), setting);
            }
        }
        services.TryAddSingleton(options);

        var keyVault = configuration["Mail:KeyVault:Uri"];
        if (!string.IsNullOrWhiteSpace(keyVault))
        {
            var clientId = configuration["Mail:KeyVault:ClientId"] ?? configuration["Mail:Storage:ClientId"];
            TokenCredential credential = string.IsNullOrWhiteSpace(clientId)
                ? new DefaultAzureCredential()
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
            services.TryAddSingleton<IDkimPrivateKeyStore>(new KeyVaultDkimPrivateKeyStore(new SecretClient(new Uri(keyVault), credential)));
        }
        else
        {
            services.TryAddSingleton<IDkimPrivateKeyStore>(sp => new BlobDkimPrivateKeyStore(sp.GetRequiredService<MailStorage>()));
        }
        services.TryAddSingleton(sp => new DkimKeyStore(sp.GetRequiredService<IDkimPrivateKeyStore>(), sp.GetService<TimeProvider>()));
        // The relay (registered by AddServerlessMail with no keys) signs with these keys from now on.
        services.Replace(ServiceDescriptor.Singleton<Outbound.IDkimSigningKeys, DkimSigningKeys>());
        services.TryAddSingleton<DomainDnsRecords>();
        services.TryAddSingleton<MailboxRemoval>();
        services.TryAddSingleton<HostedDomains>();
        services.TryAddSingleton(_ => new Outbound.MailDns(configuration));
        services.TryAddSingleton<DomainOwnership>();
        services.TryAddSingleton<DomainDnsCheck>();
        services.TryAddSingleton<DkimRotation>();
        services.TryAddSingleton<Clients.ClientSetup>();
        services.TryAddSingleton<TenantProvisioning>();
        services.TryAddSingleton<TenantQuotaProvisioning>();
        services.TryAddSingleton<ApiKeyProvisioning>();
        services.TryAddSingleton<DomainProvisioning>();
        services.TryAddSingleton<MailboxProvisioning>();
        services.TryAddSingleton<AliasProvisioning>();
        services.TryAddSingleton<SendAsProvisioning>();
        services.TryAddSingleton<SpamSettingsProvisioning>();
        services.TryAddSingleton<SieveProvisioning>();
        return services;
    }
}

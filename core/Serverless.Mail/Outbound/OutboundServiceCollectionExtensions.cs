using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.Mail.Outbound;

public static class OutboundServiceCollectionExtensions
{
    /// <summary>The outbound relay and what it needs (DNS, MTA-STS, DKIM, DSNs, rate limits). Called by AddServerlessMail.</summary>
    public static IServiceCollection AddOutboundRelay(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => OutboundOptions.Bind(configuration));
        services.TryAddSingleton(_ => new MailDns(configuration));
        services.TryAddSingleton<MxResolver>();
        services.TryAddSingleton<TlsCertificatePolicy>();
        services.TryAddSingleton<IMtaStsPolicyFetcher, HttpsMtaStsPolicyFetcher>();
        services.TryAddSingleton<MtaStsPolicySource>();
        services.TryAddSingleton<SmtpDelivery>();
        services.TryAddSingleton<IDkimSigningKeys, NoDkimSigningKeys>();
        services.TryAddSingleton<OutboundDkim>();
        services.TryAddSingleton<OutboundArc>();
        services.TryAddSingleton<OutboundState>();
        services.TryAddSingleton<SendingRateLimit>();
        services.TryAddSingleton<DeliveryReports>();
        services.TryAddSingleton<OutboundRelay>();
        return services;
    }
}

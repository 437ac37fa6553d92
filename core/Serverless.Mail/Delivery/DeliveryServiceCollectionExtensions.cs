using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Mail.Delivery.Authentication;
using Serverless.Mail.Outbound;
using Serverless.Mail.Spam;

namespace Serverless.Mail.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>Message intake (for the SMTP listener), the inbound pipeline and the sender checks (SPF, DKIM, DMARC). Called by AddServerlessMail.</summary>
    public static IServiceCollection AddInboundDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => DeliveryOptions.Bind(configuration));
        services.TryAddSingleton(_ => new MailDns(configuration));
        services.TryAddSingleton(_ => NegativeAnswerCache.Bind(configuration));
        services.TryAddSingleton(sp => new DnsAnswers(sp.GetRequiredService<MailDns>().Client, sp.GetRequiredService<NegativeAnswerCache>()));
        services.TryAddSingleton<SpfEvaluator>();
        services.TryAddSingleton<DkimChecker>();
        services.TryAddSingleton<ArcChecker>();
        services.TryAddSingleton(_ => Forwarding.SrsOptions.Bind(configuration));
        services.TryAddSingleton<Forwarding.SenderRewriting>();
        services.TryAddSingleton<DmarcEvaluator>();
        services.TryAddSingleton<MessageAuthenticator>();
        services.TryAddSingleton<ArrivalChecks>();
        services.TryAddSingleton<InboundAuthentication>();
        services.TryAddSingleton<InboundBounces>();
        services.TryAddSingleton<Sieve.ISieveChecker, Sieve.SieveChecker>();
        services.TryAddSingleton<Sieve.CompiledSieveScripts>();
        services.TryAddSingleton<Sieve.Filing.VacationLedger>();
        services.TryAddSingleton<Sieve.Filing.VacationResponder>();
        services.TryAddSingleton<Sieve.Filing.SieveFiling>(); // runs scripts only once an ISieveScriptSource is registered
        services.TryAddSingleton<InboundIngest>();
        services.TryAddSingleton<RecipientLookup>();
        services.TryAddSingleton<SubmissionSenders>();
        services.TryAddSingleton<MessageIntake>();
        services.AddSpamScoring(configuration);
        return services;
    }
}

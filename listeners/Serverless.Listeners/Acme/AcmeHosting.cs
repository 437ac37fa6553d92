using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Security;
using Serverless.Mail.Security.Acme;

namespace Serverless.Listeners.Acme;

/// <summary>Registers ACME (<c>Mail:Acme</c>) in the listener: the renewal timer, the certificate store and the HTTP-01 answer.</summary>
public static class AcmeHosting
{
    /// <summary>
    /// With <c>Mail:Acme:DirectoryUrl</c> set: certificates are kept in Key Vault when one is
    /// configured for TLS (<paramref name="vault"/>), else in the storage account, which is then also
    /// where the listeners load the certificate from.
    /// </summary>
    public static void AddAcme(this IServiceCollection services, IConfiguration configuration, string? vault, string? certificateName, string? clientId)
    {
        var options = new AcmeOptions();
        configuration.GetSection(AcmeOptions.Section).Bind(options);
        if (!options.Enabled)
        {
            return;
        }
        services.AddSingleton(options);
        services.AddSingleton<AcmeChallengeStore>();
        if (!string.IsNullOrWhiteSpace(vault) && !string.IsNullOrWhiteSpace(certificateName))
        {
            services.AddSingleton<IAcmeCertificateStore>(KeyVaultAcmeCertificateStore.Create(vault, certificateName, clientId));
        }
        else
        {
            services.AddSingleton<BlobAcmeCertificateStore>();
            services.AddSingleton<IAcmeCertificateStore>(sp => sp.GetRequiredService<BlobAcmeCertificateStore>());
            services.AddSingleton<ITlsCertificateSource>(sp => sp.GetRequiredService<BlobAcmeCertificateStore>());
        }
        services.AddSingleton<AcmeRenewal>();
        services.AddHostedService<AcmeRenewalService>();
    }

    /// <summary>
    /// GET /.well-known/acme-challenge/{token} (RFC 8555 §8.3): the key authorization from storage,
    /// so any replica answers the CA, whichever one ordered. Served on every HTTP port of the
    /// process (port 80 for the CA, the health port too: it tells nothing that is secret).
    /// </summary>
    public static IEndpointRouteBuilder MapAcmeChallenges(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ServiceProvider.GetService<AcmeChallengeStore>() is not { } challenges)
        {
            return app;
        }
        app.MapGet("/.well-known/acme-challenge/{token}", async (string token, CancellationToken ct) =>
            await challenges.FindAsync(token, ct) is { } keyAuthorization
                ? Results.Text(keyAuthorization, "application/octet-stream")
                : Results.NotFound());
        return app;
    }
}

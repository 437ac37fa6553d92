using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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
        services.AddSingleton<IStartupFilter, ChallengeStartupFilter>();
    }

    /// <summary>
    /// GET /.well-known/acme-challenge/{token} (RFC 8555 §8.3): the key authorization from storage,
    /// so any replica answers the CA, whichever one ordered. A startup filter, so every host that adds
    /// the listeners answers it (the container, the dev host, tests) on each of its HTTP ports.
    /// The public port 80 answers nothing else (404): /healthz stays on the private health port.
    /// </summary>
    private sealed class ChallengeStartupFilter(AcmeChallengeStore challenges, Hosting.ListenerOptions listener) : IStartupFilter
    {
        private const string Prefix = "/.well-known/acme-challenge/";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var path = context.Request.Path.Value ?? "";
                if (!HttpMethods.IsGet(context.Request.Method) || !path.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    if (context.Connection.LocalPort == listener.Ports.Http)
                    {
                        context.Response.StatusCode = StatusCodes.Status404NotFound;
                        return;
                    }
                    await nextMiddleware(context);
                    return;
                }
                if (await challenges.FindAsync(path[Prefix.Length..], context.RequestAborted) is { } keyAuthorization)
                {
                    context.Response.ContentType = "application/octet-stream";
                    await context.Response.WriteAsync(keyAuthorization, context.RequestAborted);
                }
                else
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                }
            });
            next(app);
        };
    }
}

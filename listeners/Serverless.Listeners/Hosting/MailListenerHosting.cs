using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Serverless.Listeners.Acme;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Imap;
using Serverless.Listeners.ManageSieve;
using Serverless.Listeners.Pop3;
using Serverless.Listeners.Smtp;
using Serverless.Mail.Hosting;
using Serverless.Mail.Security;
using Serverless.Mail.Storage;
using Microsoft.Extensions.Logging;

namespace Serverless.Listeners.Hosting;

/// <summary>
/// Puts the SMTP, IMAP, POP3 and ManageSieve listeners on Kestrel. Used by the listener container and by the
/// local dev host, so both bind the same endpoints the same way.
/// </summary>
public static class MailListenerHosting
{
    public static WebApplicationBuilder AddMailListeners(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var listener = new ListenerOptions();
        builder.Configuration.GetSection(ListenerOptions.Section).Bind(listener);
        var tls = new TlsOptions();
        builder.Configuration.GetSection(TlsOptions.Section).Bind(tls);

        builder.Services.AddServerlessMail(builder.Configuration);
        Serverless.Mail.Usage.UsageServiceCollectionExtensions.AddUsageFlush(builder.Services); // the listeners' storage requests, per tenant
        builder.Services.AddMailTelemetry(builder.Configuration, "listeners", TelemetrySignals.All);
        if (TelemetryServiceCollectionExtensions.IsRegistered(builder.Services))
        {
            // /healthz and the HTTP side of the host; the queue depths (the listeners always run).
            builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddAspNetCoreInstrumentation());
            builder.Services.AddHostedService<QueueDepthSampler>();
        }
        builder.Services.AddImapListener(builder.Configuration);
        builder.Services.AddSingleton(listener);
        builder.Services.AddSingleton(tls);
        var vault = tls.KeyVaultUri is { Length: > 0 } tlsVault ? tlsVault : builder.Configuration["Mail:KeyVault:Uri"];
        var clientId = builder.Configuration["Mail:KeyVault:ClientId"] ?? builder.Configuration["Mail:Storage:ClientId"];
        if (!string.IsNullOrWhiteSpace(vault) && !string.IsNullOrWhiteSpace(tls.KeyVaultCertificateName))
        {
            builder.Services.AddSingleton<ITlsCertificateSource>(KeyVaultCertificateSource.Create(vault, tls.KeyVaultCertificateName, clientId));
        }
        builder.Services.AddAcme(builder.Configuration, vault, tls.KeyVaultCertificateName, clientId);
        builder.Services.AddSingleton(sp => new TlsCertificateProvider(tls, listener, sp.GetRequiredService<ILogger<TlsCertificateProvider>>(), sp.GetService<ITlsCertificateSource>()));
        builder.Services.AddHostedService<TlsCertificateRefresher>();
        builder.Services.AddPop3Listener(builder.Configuration);
        builder.Services.AddManageSieveListener(builder.Configuration);
        var smtp = new SmtpOptions();
        builder.Configuration.GetSection(SmtpOptions.Section).Bind(smtp);
        builder.Services.AddSingleton(smtp);
        builder.Services.AddSingleton<SmtpServices>();
        var trusted = ProxyProtocolMiddleware.ParseNetworks(listener.TrustedProxies);
        builder.Services.AddSingleton(sp => new ProxyProtocolMiddleware(trusted, sp.GetRequiredService<ILogger<ProxyProtocolMiddleware>>()));
        builder.Services.AddSingleton(sp => new ConnectionLimiter(listener.MaxConnectionsPerIp, sp.GetRequiredService<ILogger<ConnectionLimiter>>()));
        builder.Services.AddSingleton(sp => new PreLoginConnections(listener.MaxUnauthenticatedConnections, sp.GetRequiredService<ILogger<PreLoginConnections>>()));
        // The certificate is part of health: a self-signed fallback or a near expiry is Degraded, never silent.
        builder.Services.AddSingleton<TlsCertificateHealthCheck>();
        builder.Services.AddHealthChecks().AddCheck<TlsCertificateHealthCheck>("tls-certificate");

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var certificates = kestrel.ApplicationServices.GetRequiredService<TlsCertificateProvider>();
            var proxy = kestrel.ApplicationServices.GetRequiredService<ProxyProtocolMiddleware>();
            var limiter = kestrel.ApplicationServices.GetRequiredService<ConnectionLimiter>();
            var preLogin = kestrel.ApplicationServices.GetRequiredService<PreLoginConnections>();
            var address = IPAddress.Parse(listener.BindAddress);
            foreach (var endpoint in Endpoints(listener.Ports))
            {
                kestrel.Listen(address, endpoint.Port, options =>
                {
                    options.Protocols = HttpProtocols.None;
                    // None of these middlewares is an async method where it need not be: a connection
                    // holds every async frame of the chain for its whole life (~120-150 bytes each; with
                    // 10,000 idle IMAP connections that was ~5 MB for frames that only waited).
                    options.Use(next => connection =>
                    {
                        connection.Features.Set(endpoint);
                        // Storage requests of this connection are tagged with its tenant once it logs in.
                        // For the connection's life: it runs on a flow of its own (StorageRequestMeter.AttributeFlow).
                        StorageRequestMeter.AttributeFlow();
                        return next(connection);
                    });
                    // Order matters: the PROXY header comes before anything else (TLS included), and the
                    // per-address limit needs the real client address it carries.
                    options.Use(next => connection => proxy.OnConnectionAsync(connection, next));
                    options.Use(next => connection => limiter.OnConnectionAsync(connection, next));
                    if (endpoint.Tls == TlsMode.Implicit)
                    {
                        options.UseHttps(new TlsHandshakeCallbackOptions
                        {
                            OnConnection = _ => ValueTask.FromResult(new System.Net.Security.SslServerAuthenticationOptions
                            {
                                ServerCertificateContext = certificates.CurrentContext,
                                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                            }),
                        });
                        options.Use(next => connection =>
                        {
                            if (connection.Features.Get<ISslStreamFeature>()?.SslStream is not { } ssl)
                            {
                                return next(connection);
                            }
                            var released = TlsIdleMemory.ReleaseAfterHandshakeAsync(ssl);
                            return released.IsCompletedSuccessfully ? next(connection) : ReleasedThenAsync(released, connection, next);
                        });
                    }
                    // After the handshake of implicit-TLS ports, so a refused client can read why.
                    options.Use(next => connection => preLogin.OnConnectionAsync(connection, next));
                    switch (endpoint.Protocol)
                    {
                        case MailProtocol.Smtp:
                            options.UseConnectionHandler<SmtpConnectionHandler>();
                            break;
                        case MailProtocol.Imap:
                            options.UseConnectionHandler<ImapConnectionHandler>();
                            break;
                        case MailProtocol.Pop3:
                            options.UseConnectionHandler<Pop3ConnectionHandler>();
                            break;
                        case MailProtocol.ManageSieve:
                            options.UseConnectionHandler<ManageSieveConnectionHandler>();
                            break;
                    }
                });
            }
            if (listener.Ports.Health > 0)
            {
                kestrel.Listen(address, listener.Ports.Health, o => o.Protocols = HttpProtocols.Http1);
            }
            if (listener.Ports.Http > 0)
            {
                kestrel.Listen(address, listener.Ports.Http, o => o.Protocols = HttpProtocols.Http1);
            }
        });
        return builder;
    }

    private static async Task ReleasedThenAsync(Task released, ConnectionContext connection, ConnectionDelegate next)
    {
        await released;
        await next(connection);
    }

    /// <summary>
    /// GET /healthz: 200 while the process serves (the mail ports answer from the same process).
    /// The body is the status — <c>Healthy</c>, or <c>Degraded</c> with one line per reason (e.g.
    /// the self-signed certificate) — and Degraded is still 200, so probes do not restart a
    /// listener that a restart would not fix.
    /// </summary>
    public static WebApplication MapMailHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                var reasons = report.Entries.Values.Where(e => e.Status != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy && e.Description is not null)
                    .Select(e => "\n" + e.Description);
                return context.Response.WriteAsync(report.Status + string.Concat(reasons));
            },
        });
        return app;
    }

    public static IEnumerable<MailEndpoint> Endpoints(PortOptions ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var all = new[]
        {
            new MailEndpoint(MailProtocol.Smtp, "mx", ports.Smtp, TlsMode.StartTls),
            new MailEndpoint(MailProtocol.Smtp, "submission", ports.Submission, TlsMode.StartTls, IsSubmission: true),
            new MailEndpoint(MailProtocol.Smtp, "submissions", ports.Submissions, TlsMode.Implicit, IsSubmission: true),
            new MailEndpoint(MailProtocol.Imap, "imap", ports.Imap, TlsMode.StartTls),
            new MailEndpoint(MailProtocol.Imap, "imaps", ports.Imaps, TlsMode.Implicit),
            new MailEndpoint(MailProtocol.Pop3, "pop3", ports.Pop3, TlsMode.StartTls),
            new MailEndpoint(MailProtocol.Pop3, "pop3s", ports.Pop3s, TlsMode.Implicit),
            new MailEndpoint(MailProtocol.ManageSieve, "sieve", ports.ManageSieve, TlsMode.StartTls),
        };
        return all.Where(e => e.Port > 0);
    }
}

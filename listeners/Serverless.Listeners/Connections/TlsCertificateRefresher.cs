using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Mail.Hosting;

namespace Serverless.Listeners.Connections;

/// <summary>
/// Fetches the certificate at start and then every <c>Mail:Tls:RefreshInterval</c>; a failed fetch
/// keeps the current one. After each round it reports the certificate: a warning when it is the
/// self-signed fallback or expires within <c>Mail:Tls:ExpiryWarningDays</c> (the same reasons
/// /healthz gives), and the days left as <c>mail.certificate.expiry</c>.
/// </summary>
public sealed partial class TlsCertificateRefresher(TlsCertificateProvider provider, Hosting.TlsOptions options, ILogger<TlsCertificateRefresher> logger,
    TimeProvider? clock = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        MailMetrics.ObserveCertificateExpiry(() =>
        {
            var status = provider.Status;
            return [new(status.Origin.ToString(), status.DaysLeft(_clock.GetUtcNow()))];
        });
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromSeconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.RefreshInterval;
            if (provider.HasSource)
            {
                try
                {
                    await provider.RefreshAsync(stoppingToken);
                    retry = TimeSpan.FromSeconds(5);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogRefreshFailed(e.Message);
                    wait = retry;
                    retry = TimeSpan.FromTicks(Math.Min(options.RefreshInterval.Ticks, retry.Ticks * 2));
                }
            }
            Report();
            try
            {
                await Task.Delay(wait, _clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Logs the certificate's state: a warning for anything /healthz would call Degraded.</summary>
    public void Report()
    {
        var status = provider.Status;
        if (status.Problem(_clock.GetUtcNow(), options.ExpiryWarningDays) is { } problem)
        {
            LogCertificateProblem(problem);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the TLS certificate (the current one stays): {Reason}")]
    private partial void LogRefreshFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS: {Problem}")]
    private partial void LogCertificateProblem(string problem);
}

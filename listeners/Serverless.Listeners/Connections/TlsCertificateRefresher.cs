using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Serverless.Listeners.Connections;

/// <summary>Fetches the certificate at start and then every <c>Mail:Tls:RefreshInterval</c>; a failed fetch keeps the current one.</summary>
public sealed partial class TlsCertificateRefresher(TlsCertificateProvider provider, Hosting.TlsOptions options, ILogger<TlsCertificateRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!provider.HasSource)
        {
            return;
        }
        var retry = TimeSpan.FromSeconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await provider.RefreshAsync(stoppingToken);
                wait = options.RefreshInterval;
                retry = TimeSpan.FromSeconds(5);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(e.Message);
                wait = retry;
                retry = TimeSpan.FromTicks(Math.Min(options.RefreshInterval.Ticks, retry.Ticks * 2));
            }
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the TLS certificate (the current one stays): {Reason}")]
    private partial void LogRefreshFailed(string reason);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Listeners.Connections;
using Serverless.Mail.Security.Acme;

namespace Serverless.Listeners.Acme;

/// <summary>
/// The renewal timer, in the listener: it is the process the CA's HTTP-01 request reaches (port 80
/// of the service host name), it always runs (the functions scale to zero), and it is the one that
/// serves the certificate. Every replica checks at start and then every <c>Mail:Acme:CheckInterval</c>;
/// the blob lease in <see cref="AcmeRenewal"/> lets one order at a time. After an issue this replica
/// serves the new certificate at once; the others at their next <c>Mail:Tls:RefreshInterval</c>.
/// </summary>
public sealed partial class AcmeRenewalService(AcmeRenewal renewal, AcmeOptions options, Hosting.ListenerOptions listener, TlsCertificateProvider certificates,
    ILogger<AcmeRenewalService> logger, TimeProvider? clock = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IReadOnlyList<string> HostNames => options.HostNames.Count > 0 ? options.HostNames : [listener.HostName];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A failed order is tried again sooner than the next check, backing off up to it.
        var retry = TimeSpan.FromMinutes(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.CheckInterval;
            try
            {
                if (await renewal.RenewIfDueAsync(HostNames, stoppingToken) == AcmeRenewalOutcome.Issued)
                {
                    await certificates.RefreshAsync(stoppingToken);
                }
                retry = TimeSpan.FromMinutes(1);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(e.Message);
                wait = retry < wait ? retry : wait;
                retry *= 2;
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACME: the certificate could not be ordered (the current one stays; tried again later): {Reason}")]
    private partial void LogFailed(string reason);
}

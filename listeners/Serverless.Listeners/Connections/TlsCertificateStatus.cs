using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Serverless.Listeners.Connections;

public enum TlsCertificateOrigin
{
    /// <summary>Fetched from Key Vault (imported by the operator, or issued there by ACME).</summary>
    KeyVault,

    /// <summary>Issued by ACME and kept in the storage account (no Key Vault configured).</summary>
    Storage,

    /// <summary>A PFX file (<c>Mail:Tls:CertificatePath</c>).</summary>
    File,

    /// <summary>The generated development certificate: no mail client trusts it.</summary>
    SelfSigned,
}

/// <summary>The certificate the listeners serve, as /healthz, the log and the expiry metric report it.</summary>
public sealed record TlsCertificateStatus(TlsCertificateOrigin Origin, string Subject, DateTimeOffset NotAfter)
{
    public double DaysLeft(DateTimeOffset now) => (NotAfter - now).TotalDays;

    /// <summary>
    /// Null when all is well; otherwise what an operator must hear: a self-signed fallback (never
    /// silent: clients see a warning or refuse), or an expiry within <paramref name="warningDays"/>.
    /// </summary>
    public string? Problem(DateTimeOffset now, int warningDays) =>
        Origin == TlsCertificateOrigin.SelfSigned
            ? $"serving a self-signed certificate ({Subject}): mail clients will warn or refuse; configure Mail:Tls:KeyVaultCertificateName or Mail:Tls:CertificatePath"
            : NotAfter <= now ? $"the certificate {Subject} expired at {NotAfter:u}"
            : DaysLeft(now) < warningDays ? $"the certificate {Subject} expires at {NotAfter:u}, in {DaysLeft(now):0.#} days"
            : null;
}

/// <summary>
/// /healthz's view of the certificate: Degraded (still HTTP 200, so probes do not restart a
/// listener that a restart would not fix) with the reason when <see cref="TlsCertificateStatus.Problem"/> names one.
/// </summary>
public sealed class TlsCertificateHealthCheck(TlsCertificateProvider provider, Hosting.TlsOptions options, TimeProvider? clock = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problem = provider.Status.Problem((clock ?? TimeProvider.System).GetUtcNow(), options.ExpiryWarningDays);
        return Task.FromResult(problem is null ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded("TLS: " + problem));
    }
}

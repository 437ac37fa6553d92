using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Listeners.Connections;
using Serverless.Listeners.Tests.Infrastructure;
using Serverless.Mail.Security.Acme;
using Serverless.Mail.Storage;
using Xunit;

namespace Serverless.Listeners.Tests.Acme;

/// <summary>
/// Certificates with no manual step, against pebble with real HTTP-01 validation: a listener with no
/// certificate serves the self-signed fallback and says so; an order (from any replica) is validated
/// through this listener's port-80 responder reading the key authorization from storage; the issued
/// chain is served on the implicit-TLS ports without a restart; a certificate near expiry is renewed.
/// </summary>
[Collection(nameof(PebbleFixture))]
public sealed class AcmeIssuanceTests(PebbleFixture fixture)
{
    private static string NewHostName() => $"mx{Guid.NewGuid():N}"[..14] + ".acme.test";

    [Fact]
    public async Task A_listener_without_a_certificate_is_issued_one_by_pebble_serves_it_without_restart_and_renews_it_near_expiry()
    {
        var name = NewHostName(); // no DNS record yet: pebble cannot reach us, so the first order fails
        await using var host = await ListenerHost.StartAsync(fixture.ListenerSettings(name));
        var health = host.Services.GetRequiredService<TlsCertificateHealthCheck>();

        // 1. No certificate: the self-signed fallback, and /healthz says so.
        var (fallback, _) = await PebbleFixture.HandshakeAsync(host.Ports.Imaps, name);
        Assert.Equal(fallback.Subject, fallback.Issuer);
        var before = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, before.Status);
        Assert.Contains("self-signed", before.Description, StringComparison.Ordinal);

        // 2. The name resolves to this listener now; an order runs (as another replica's timer would),
        //    and pebble validates HTTP-01 against this listener's port.
        fixture.Dns.AddA(name, "127.0.0.1");
        var renewal = host.Services.GetRequiredService<AcmeRenewal>();
        var outcome = await UntilAsync(async () => await renewal.RenewIfDueAsync([name], CancellationToken.None) is var o && o != AcmeRenewalOutcome.Busy ? o : (AcmeRenewalOutcome?)null,
            "the renewal lease held by the listener's own first (failing) attempt to be released");
        // NotDue only if the listener's own timer won the race and ordered it with the record in place.
        Assert.Contains(outcome, new[] { AcmeRenewalOutcome.Issued, AcmeRenewalOutcome.NotDue });

        // 3. Served on the TLS ports without a restart, with the intermediate, chaining to pebble's root.
        var root = await fixture.Pebble.RootAsync();
        var intermediate = await fixture.Pebble.IntermediateAsync();
        var (issued, sent) = await UntilAsync(async () => await PebbleFixture.HandshakeAsync(host.Ports.Imaps, name) is var h && h.Certificate.Issuer == intermediate.Subject ? h : default((X509Certificate2, X509Certificate2Collection)?),
            "the issued certificate on IMAPS");
        Assert.True(issued.MatchesHostname(name));
        AssertChainsTo(issued, sent, root);
        var (onSubmissions, sentOnSubmissions) = await PebbleFixture.HandshakeAsync(host.Ports.Submissions, name);
        Assert.Equal(issued.SerialNumber, onSubmissions.SerialNumber);
        AssertChainsTo(onSubmissions, sentOnSubmissions, root);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        // 4. Renewal: not before RenewBeforeDays (30) remain; then a new certificate, served without a restart.
        Assert.Equal(AcmeRenewalOutcome.NotDue, await renewal.RenewIfDueAsync([name], CancellationToken.None));
        var nearExpiry = new ShiftedClock(new DateTimeOffset(issued.NotAfter.ToUniversalTime(), TimeSpan.Zero) - DateTimeOffset.UtcNow - TimeSpan.FromDays(29));
        var later = new AcmeRenewal(host.Services.GetRequiredService<MailStorage>(), host.Services.GetRequiredService<AcmeOptions>(),
            host.Services.GetRequiredService<IAcmeCertificateStore>(), host.Services.GetRequiredService<AcmeChallengeStore>(), NullLogger<AcmeRenewal>.Instance, nearExpiry);
        Assert.Equal(AcmeRenewalOutcome.Issued, await later.RenewIfDueAsync([name], CancellationToken.None));
        var (renewed, sentRenewed) = await UntilAsync(async () => await PebbleFixture.HandshakeAsync(host.Ports.Imaps, name) is var h && h.Certificate.SerialNumber != issued.SerialNumber ? h : default((X509Certificate2, X509Certificate2Collection)?),
            "the renewed certificate on IMAPS");
        AssertChainsTo(renewed, sentRenewed, root);
    }

    [Fact]
    public async Task The_listener_orders_its_certificate_by_itself_at_start()
    {
        var name = NewHostName();
        fixture.Dns.AddA(name, "127.0.0.1");
        await using var host = await ListenerHost.StartAsync(fixture.ListenerSettings(name));
        var intermediate = await fixture.Pebble.IntermediateAsync();
        var (issued, sent) = await UntilAsync(async () => await PebbleFixture.HandshakeAsync(host.Ports.Pop3s, name) is var h && h.Certificate.Issuer == intermediate.Subject ? h : default((X509Certificate2, X509Certificate2Collection)?),
            "the certificate the listener ordered at start");
        AssertChainsTo(issued, sent, await fixture.Pebble.RootAsync());
    }

    private static void AssertChainsTo(X509Certificate2 certificate, X509Certificate2Collection sent, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(sent); // only what the server sent: the intermediate must be among it
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    /// <summary>Polls <paramref name="probe"/> until it gives a value (a 60-second limit, then a failure naming what was awaited).</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what)
        where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(100);
        }
    }

    /// <summary>The clock of a replica checking later in the certificate's life (timers still run in real time).</summary>
    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }
}

using System.Diagnostics.Metrics;

namespace Serverless.Mail.Hosting;

/// <summary>
/// The service's own counters, as the <c>Serverless.Mail.Service</c> meter (exported with the
/// other <c>Serverless.Mail.*</c> meters; the dashboard in infra/app/dashboard.bicep charts them).
/// Static like <see cref="Storage.StorageRequestMeter"/>'s instruments: one meter per process,
/// whatever number of hosts or service providers it runs, and nothing to inject at the call sites.
/// </summary>
public static class MailMetrics
{
    public const string MeterName = "Serverless.Mail.Service";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> AcceptedCounter = Meter.CreateCounter<long>("mail.messages.accepted", "{message}", "Messages answered 250 (hand-off durably queued), by via (mx, submission)");
    private static readonly Counter<long> FiledCounter = Meter.CreateCounter<long>("mail.messages.filed", "{message}", "Copies filed into a mailbox by the ingest, by folder (inbox, junk, other)");
    private static readonly Counter<long> RelayedCounter = Meter.CreateCounter<long>("mail.messages.relayed", "{recipient}", "Outbound recipients delivered");
    private static readonly Counter<long> DeferredCounter = Meter.CreateCounter<long>("mail.messages.deferred", "{recipient}", "Outbound recipients deferred for a later attempt");
    private static readonly Counter<long> BouncedCounter = Meter.CreateCounter<long>("mail.messages.bounced", "{recipient}", "Outbound recipients failed for good (a DSN goes back)");
    private static readonly Counter<long> LoginCounter = Meter.CreateCounter<long>("mail.logins", "{login}", "Password checks, by outcome (success, bad_credentials, throttled, disabled)");

    public static void Accepted(bool submission) => AcceptedCounter.Add(1, new KeyValuePair<string, object?>("via", submission ? "submission" : "mx"));

    /// <summary>One copy filed; <paramref name="folder"/> is inbox, junk or other.</summary>
    public static void Filed(string folder) => FiledCounter.Add(1, new KeyValuePair<string, object?>("folder", folder));

    public static void Relayed(int recipients) => AddIfAny(RelayedCounter, recipients);

    public static void Deferred(int recipients) => AddIfAny(DeferredCounter, recipients);

    public static void Bounced(int recipients) => AddIfAny(BouncedCounter, recipients);

    public static void Login(string outcome) => LoginCounter.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private static Func<IEnumerable<KeyValuePair<string, long>>>? _queueDepths;

    // Created once: a gauge per host started in one process (tests, the dev host) would repeat it.
    private static readonly ObservableGauge<long> QueueDepthGauge = Meter.CreateObservableGauge("mail.queue.depth",
        () => (_queueDepths?.Invoke() ?? []).Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("queue", d.Key))),
        "{message}", "Approximate messages waiting in each queue (poison queues included)");

    /// <summary>
    /// Where <c>mail.queue.depth</c> (tag <c>queue</c>) reads the last known approximate counts
    /// from; see <see cref="QueueDepthSampler"/>. The last caller wins.
    /// </summary>
    public static void ObserveQueueDepths(Func<IEnumerable<KeyValuePair<string, long>>> depths) => _queueDepths = depths;

    private static Func<IEnumerable<KeyValuePair<string, double>>>? _certificates;

    private static readonly ObservableGauge<double> CertificateExpiryGauge = Meter.CreateObservableGauge("mail.certificate.expiry",
        () => (_certificates?.Invoke() ?? []).Select(c => new Measurement<double>(c.Value, new KeyValuePair<string, object?>("origin", c.Key))),
        "d", "Days until the listeners' TLS certificate expires, by origin (KeyVault, File, SelfSigned)");

    /// <summary>Where <c>mail.certificate.expiry</c> reads the days left (keyed by the certificate's origin). The last caller wins.</summary>
    public static void ObserveCertificateExpiry(Func<IEnumerable<KeyValuePair<string, double>>> daysLeft) => _certificates = daysLeft;

    private static void AddIfAny(Counter<long> counter, int n)
    {
        if (n > 0)
        {
            counter.Add(n);
        }
    }

    /// <summary>For tests and the dashboard: the instrument names this meter publishes.</summary>
    public static IReadOnlyList<string> InstrumentNames { get; } =
        ["mail.messages.accepted", "mail.messages.filed", "mail.messages.relayed", "mail.messages.deferred", "mail.messages.bounced", "mail.logins", "mail.queue.depth", "mail.certificate.expiry"];
}

namespace Serverless.Mail.Provisioning;

/// <summary>
/// Settings of the provisioning API (section <c>Mail:Provisioning</c>; env <c>Mail__Provisioning__...</c>).
/// The admin key (<c>Mail:AdminApiKey</c>) and Key Vault (<c>Mail:KeyVault:*</c>) have their own keys
/// because the rest of the deployment shares them.
/// </summary>
public sealed class ProvisioningOptions
{
    public const string Section = "Mail:Provisioning";

    /// <summary>The admin bearer key (<c>Mail:AdminApiKey</c>). Empty: no admin access at all.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>
    /// The host name the domains' MX records point at (the listeners' public name). Defaults to
    /// <c>Mail:Listeners:HostName</c>.
    /// </summary>
    public string MailHost { get; set; } = "localhost";

    /// <summary>MX preference in the generated record.</summary>
    public int MxPreference { get; set; } = 10;

    /// <summary>SPF mechanisms before <c>~all</c>: who may send for the domain (e.g. <c>mx include:relay.example</c>).</summary>
    public string SpfMechanisms { get; set; } = "mx";

    /// <summary>DMARC policy for new domains (<c>none</c>, <c>quarantine</c>, <c>reject</c>).</summary>
    public string DmarcPolicy { get; set; } = "quarantine";

    /// <summary>
    /// Local part (in the domain itself) that receives DMARC aggregate and TLS-RPT reports.
    /// <c>postmaster</c> must exist anyway (RFC 5321 4.5.1).
    /// </summary>
    public string ReportLocalPart { get; set; } = "postmaster";

    /// <summary>MTA-STS mode published in the policy (<c>testing</c> until TLS is known good, then <c>enforce</c>).</summary>
    public string MtaStsMode { get; set; } = "testing";

    /// <summary>
    /// Host that serves <c>/.well-known/mta-sts.txt</c> for every domain (HTTPS). When set, a CNAME
    /// <c>mta-sts.{domain}</c> pointing at it is part of the records.
    /// </summary>
    public string? MtaStsPolicyHost { get; set; }

    /// <summary>Shortest password accepted for a mailbox.</summary>
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>Failed authentications allowed per client IP in <see cref="FailedAuthWindow"/> before 429.</summary>
    public int MaxFailedAuthPerIp { get; set; } = 10;

    public TimeSpan FailedAuthWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Header in which a proxy on the same host (loopback peer) passes the client IP; its last
    /// entry is used, and only from a loopback peer. Harmless on Azure Functions, whose worker
    /// already sets the peer address from the last <c>X-Forwarded-For</c> entry the platform added.
    /// </summary>
    public string? ClientIpHeader { get; set; }

    /// <summary>A mailbox with more messages than this is emptied in the background after DELETE (202).</summary>
    public long InlineDeleteMaxMessages { get; set; } = 1000;

    /// <summary>
    /// How long the mailbox-deletion message stays invisible: long enough for DELETE to remove the
    /// address row before the consumer looks (it leaves live mailboxes alone).
    /// </summary>
    public TimeSpan DeletionQueueDelay { get; set; } = TimeSpan.FromSeconds(10);

    // ---- domain ownership (issue 14) ----

    /// <summary>
    /// A new domain starts pending until its TXT record is verified (production). False: domains
    /// are verified at creation (local development; <c>./run.sh</c> sets it).
    /// </summary>
    public bool RequireDomainVerification { get; set; } = true;

    /// <summary>How long the daily re-check may miss a verified domain's TXT record before it returns to pending.</summary>
    public TimeSpan DomainRecordGracePeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The service's own host names, which no tenant may claim, with the setting each comes from
    /// (filled from <c>Mail:Listeners:HostName</c>, <c>Mail:Delivery:HostName</c>,
    /// <c>Mail:Provisioning:MailHost</c>, <c>Mail:Outbound:HeloName</c> and <c>Mail:Provisioning:MtaStsPolicyHost</c>).
    /// </summary>
    public IDictionary<string, string> ServiceHostNames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

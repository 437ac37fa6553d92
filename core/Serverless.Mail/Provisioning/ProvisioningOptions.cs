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

    /// <summary>
    /// The host mail clients connect to for IMAP, POP3 and submission (autoconfiguration, SRV
    /// records). Defaults to <c>Mail:Listeners:HostName</c>, else <see cref="MailHost"/>.
    /// </summary>
    public string? ClientHost { get; set; }

    /// <summary>
    /// The host that serves autoconfig, Autodiscover and MTA-STS over HTTPS (the function app's
    /// public name): the <c>autoconfig.</c>, <c>autodiscover.</c> and <c>mta-sts.</c> CNAMEs of
    /// every domain point at it. Defaults to <see cref="MtaStsPolicyHost"/>, else the function
    /// app's <c>WEBSITE_HOSTNAME</c>, else <see cref="MailHost"/>.
    /// </summary>
    public string? WebHost { get; set; }

    /// <summary>Ports clients are told about (autoconfiguration, SRV records); 0: the service is not offered.</summary>
    public ClientPortOptions ClientPorts { get; set; } = new();

    /// <summary>
    /// The MX listener's public addresses (IPv4/IPv6), which <see cref="MailHost"/> should resolve
    /// to: the dns-check compares them with what DNS answers. Empty: that comparison is skipped.
    /// </summary>
    public List<string> MxAddresses { get; set; } = [];

    /// <summary><c>max_age</c> of the served MTA-STS policy (RFC 8461 3.2), in seconds.</summary>
    public long MtaStsMaxAge { get; set; } = 604800;

    /// <summary>A PFX with a certificate and private key: Apple configuration profiles are CMS-signed with it when set.</summary>
    public string? ProfileSigningCertificatePath { get; set; }

    public string? ProfileSigningCertificatePassword { get; set; }

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

    // ---- DKIM rotation (issue 21) ----

    /// <summary>
    /// A rotation switches signing to the new key once the hourly check finds its TXT record in DNS,
    /// or after this long without (the operator was told to publish it; mail signed with an
    /// unpublished key fails DKIM, so keep it long enough for slow DNS changes).
    /// </summary>
    public TimeSpan DkimSwitchAfter { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long the old key stays published after the switch (mail in flight and in queues is verified with it).</summary>
    public TimeSpan DkimRetireAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The service's own host names, which no tenant may claim, with the setting each comes from
    /// (filled from <c>Mail:Listeners:HostName</c>, <c>Mail:Delivery:HostName</c>,
    /// <c>Mail:Provisioning:MailHost</c>, <c>Mail:Outbound:HeloName</c>, <c>Mail:Provisioning:MtaStsPolicyHost</c> and <c>Mail:Provisioning:WebHost</c>).
    /// </summary>
    public IDictionary<string, string> ServiceHostNames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// The ports mail clients use (section <c>Mail:Provisioning:ClientPorts</c>). Each defaults to the
/// listener's <c>Mail:Listeners:Ports:*</c> setting when present (the dev host, tests), else to the
/// standard port the listener container uses.
/// </summary>
public sealed class ClientPortOptions
{
    public int Imaps { get; set; } = 993;

    public int Imap { get; set; } = 143;

    public int Submissions { get; set; } = 465;

    public int Submission { get; set; } = 587;

    public int Pop3s { get; set; } = 995;

    public int Pop3 { get; set; } = 110;
}

using Microsoft.Extensions.Configuration;

namespace Serverless.Mail.Outbound;

/// <summary>
/// Outbound relay settings (section <c>Mail:Outbound</c>; env <c>Mail__Outbound__...</c>). With
/// <see cref="SmartHost"/> set, every remote recipient goes through that relay (the default in
/// Azure, which blocks port 25); without it the relay delivers directly to each domain's MX.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Mail:Outbound";

    /// <summary>The name the relay says EHLO with; defaults to <c>Mail:Listeners:HostName</c>.</summary>
    public string HeloName { get; set; } = "";

    /// <summary>Port of remote MX hosts (25; tests and unusual networks change it).</summary>
    public int SmtpPort { get; set; } = 25;

    public SmartHostOptions SmartHost { get; set; } = new();

    /// <summary>
    /// Lets the relay (and the MTA-STS policy fetch) connect to loopback, private, link-local and
    /// other non-public addresses that DNS answers name (<see cref="PublicNetwork"/>). Off in
    /// production and under ./run.sh; tests and labs whose receiving servers live on loopback turn
    /// it on. The smart host, an address the operator chose, is exempt either way.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long a message may stay queued before the remaining recipients bounce.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>When a "delayed" DSN goes to the sender (once) while recipients are still queued.</summary>
    public TimeSpan DelayWarningAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Delays between attempts; the last one repeats until <see cref="MaxLifetime"/>.</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per SMTP command (RFC 5321 4.5.3.2 asks for minutes; a hung server must not pin the function).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// After this long an attempt tries no further host for a domain (what is pending waits for the
    /// next attempt), so one attempt ends well inside the function timeout (10 min) and the lease.
    /// </summary>
    public TimeSpan AttemptBudget { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>MX hosts tried per domain and attempt, best first.</summary>
    public int MaxMxHosts { get; set; } = 5;

    /// <summary>Domains of one message delivered in parallel.</summary>
    public int MaxParallelDomains { get; set; } = 8;

    /// <summary>
    /// SHA-256 thumbprints (hex) of certificates trusted although they do not chain to a public root:
    /// a private smart host, or the loopback servers of tests. Used wherever TLS must be verified
    /// (smart host, MTA-STS enforce, the MTA-STS policy fetch).
    /// </summary>
    public List<string> TrustedCertificates { get; set; } = [];

    /// <summary>Port of the MTA-STS policy host (443; tests serve the policy on loopback).</summary>
    public int MtaStsHttpsPort { get; set; } = 443;

    /// <summary>Largest original message a failure DSN returns whole when RET=FULL; bigger ones get headers only.</summary>
    public long DsnFullMessageLimit { get; set; } = 256 * 1024;

    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>How long finished messages stay listed (and make redelivered queue copies no-ops) before the daily cleanup deletes them.</summary>
    public TimeSpan FinishedRetention { get; set; } = TimeSpan.FromDays(7);

    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
    ];

    public static OutboundOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new OutboundOptions();
        configuration.GetSection(Section).Bind(options);
        if (string.IsNullOrWhiteSpace(options.HeloName))
        {
            options.HeloName = configuration["Mail:Listeners:HostName"] is { Length: > 0 } h ? h : "localhost";
        }
        if (options.RetryDelays.Count == 0)
        {
            options.RetryDelays = [.. DefaultRetryDelays];
        }
        return options;
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1 (attempt 0 is the first).</summary>
    public TimeSpan RetryDelay(int attempt) => RetryDelays[Math.Clamp(attempt, 0, RetryDelays.Count - 1)];
}

/// <summary>A relay that takes all outbound mail (submission with STARTTLS or implicit TLS, and AUTH).</summary>
public sealed class SmartHostOptions
{
    /// <summary>Host name or IP; empty means direct MX delivery.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>TLS from the first byte (port 465 style) instead of STARTTLS.</summary>
    public bool ImplicitTls { get; set; }

    public string UserName { get; set; } = "";

    /// <summary>From configuration or Key Vault (a Key Vault reference in the app settings); never logged.</summary>
    public string Password { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>
/// Recipients a mailbox and a tenant may send to per hour (fixed hourly windows, shared through
/// Table storage). 0 turns a limit off.
/// </summary>
public sealed class RateLimitOptions
{
    public int PerMailboxPerHour { get; set; } = 1000;

    public int PerTenantPerHour { get; set; } = 10000;

    /// <summary>
    /// Recipients a tenant's aliases may forward to outside the service per hour (all its aliases
    /// together; bounces returned through SRS addresses count too). Separate from the sending limits
    /// above: forwarding is not the tenant's own sending, and a flood into a forwarding alias must
    /// not use up its users' budget.
    /// </summary>
    public int ForwardsPerHour { get; set; } = 2000;
}

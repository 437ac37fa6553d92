namespace Serverless.Mail.Security.Acme;

/// <summary>
/// Automatic certificates (section <c>Mail:Acme</c>): with a directory URL set, the listeners order
/// and renew their certificate from that ACME server (RFC 8555), answering HTTP-01 on
/// <c>Mail:Listeners:Ports:Http</c>.
/// </summary>
public sealed class AcmeOptions
{
    public const string Section = "Mail:Acme";

    /// <summary>The ACME directory, e.g. https://acme-v02.api.letsencrypt.org/directory; empty: no ACME.</summary>
    public string? DirectoryUrl { get; set; }

    /// <summary>The account's contact (the CA writes to it about expiry and incidents); optional.</summary>
    public string? ContactEmail { get; set; }

    /// <summary>The names on the certificate; empty: <c>Mail:Listeners:HostName</c>.</summary>
    public List<string> HostNames { get; set; } = [];

    /// <summary>Renew when fewer days than this remain (Let's Encrypt's own advice: a third of 90 days).</summary>
    public int RenewBeforeDays { get; set; } = 30;

    /// <summary>How often each listener checks whether the certificate is due (the first check is at start).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// A PEM file of the CA that signs the ACME server's own HTTPS certificate, trusted for the
    /// directory only: for a private ACME server or a test one (pebble). Empty: the system's trust.
    /// </summary>
    public string? DirectoryCaFile { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(DirectoryUrl);
}

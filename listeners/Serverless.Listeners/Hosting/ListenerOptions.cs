namespace Serverless.Listeners.Hosting;

/// <summary>Listener settings (section <c>Mail:Listeners</c>; env <c>Mail__Listeners__...</c>).</summary>
public sealed class ListenerOptions
{
    public const string Section = "Mail:Listeners";

    /// <summary>The name the listeners greet with and put in Received headers.</summary>
    public string HostName { get; set; } = "localhost";

    /// <summary>Address to bind; 127.0.0.1 locally, 0.0.0.0 (or ::) in the container.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    public PortOptions Ports { get; set; } = new();

    /// <summary>
    /// Development only: allow AUTH/LOGIN/USER without TLS, and only for clients connecting from a
    /// loopback address. Never honoured for remote clients.
    /// </summary>
    public bool AllowPlaintextAuthOnLoopback { get; set; }

    /// <summary>Networks (CIDR) whose connections must start with a PROXY protocol header (v1 or v2).</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public int MaxConnectionsPerIp { get; set; } = 50;

    /// <summary>
    /// Connections per listener (port) that have not logged in yet; one more is answered "try later"
    /// and closed. On the MX, where nobody logs in, the cap on its concurrent connections.
    /// </summary>
    public int MaxUnauthenticatedConnections { get; set; } = 1000;

    /// <summary>
    /// True where connections arrive through a proxy that hides the client's address and sends no
    /// PROXY header (the Azure Container Apps TCP ingress): the socket peer is then shared by every
    /// client, so failed logins are counted per account only (an address from a trusted PROXY header
    /// still counts per IP). Left false, a single proxy address would lock everyone out together.
    /// </summary>
    public bool ClientAddressesHidden { get; set; }

    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>IMAP sessions may idle longer (RFC 3501 asks for at least 30 minutes).</summary>
    public TimeSpan ImapIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>Ports of each listener; 0 turns one off. Defaults are the local ones; the container uses the standard ports.</summary>
public sealed class PortOptions
{
    public int Smtp { get; set; } = 2525;

    public int Submission { get; set; } = 2587;

    public int Submissions { get; set; } = 2465;

    public int Imap { get; set; } = 2143;

    public int Imaps { get; set; } = 2993;

    public int Pop3 { get; set; } = 2110;

    public int Pop3s { get; set; } = 2995;

    /// <summary>ManageSieve (RFC 5804): 4190 locally as in the container — it is above 1024 already.</summary>
    public int ManageSieve { get; set; } = 4190;

    /// <summary>HTTP port for /healthz in the listener container (0 = not served separately).</summary>
    public int Health { get; set; }

    /// <summary>
    /// Plain HTTP for ACME's HTTP-01 challenges (<c>/.well-known/acme-challenge/{token}</c>; the CA
    /// always asks on port 80, so 80 in the container). 0 = off.
    /// </summary>
    public int Http { get; set; }
}

/// <summary>TLS certificate settings (section <c>Mail:Tls</c>).</summary>
public sealed class TlsOptions
{
    public const string Section = "Mail:Tls";

    /// <summary>Path of a PFX (PKCS#12) file, e.g. mounted from Key Vault. Reloaded when the file changes.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>Where a self-signed development certificate is generated when no certificate is configured.</summary>
    public string DevelopmentCertificatePath { get; set; } = ".data/dev-cert.pfx";

    /// <summary>Name of a Key Vault certificate (vault from <see cref="KeyVaultUri"/>) to serve; wins over <see cref="CertificatePath"/>.</summary>
    public string? KeyVaultCertificateName { get; set; }

    /// <summary>
    /// The vault that holds the certificate. In Azure a vault of its own, the only one the listeners'
    /// identity may read; unset: <c>Mail:KeyVault:Uri</c>.
    /// </summary>
    public string? KeyVaultUri { get; set; }

    /// <summary>How often the Key Vault certificate is fetched again, so a renewal takes effect without a restart.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Days before expiry from which the certificate is reported: a warning in the log at every
    /// check and /healthz "Degraded". 21 leaves a week after the usual 30-day ACME renewal point.
    /// </summary>
    public int ExpiryWarningDays { get; set; } = 21;
}

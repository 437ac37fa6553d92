using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Serverless.Listeners.Hosting;
using Serverless.Mail.Security;

namespace Serverless.Listeners.Connections;

/// <summary>
/// The listeners' TLS certificate, chosen per handshake so a renewal takes effect without a restart:
/// a certificate from Key Vault (<see cref="ITlsCertificateSource"/>, fetched again every
/// <c>Mail:Tls:RefreshInterval</c> by <see cref="TlsCertificateRefresher"/>), else a PFX file (reloaded
/// when it changes on disk, e.g. a mounted secret), else a self-signed development certificate
/// generated on the first local run. A certificate that fails to load never replaces a working one.
/// </summary>
public sealed class TlsCertificateProvider
{
    private readonly TlsOptions _options;
    private readonly string _hostName;
    private readonly ILogger<TlsCertificateProvider> _logger;
    private readonly ITlsCertificateSource? _source;
    private readonly object _gate = new();
    private X509Certificate2? _current;
    private X509Certificate2? _fromSource;
    private X509Certificate2Collection? _intermediates;
    private DateTime _loadedWriteTime;
    private SslStreamCertificateContext? _context;

    public TlsCertificateProvider(TlsOptions options, ListenerOptions listener, ILogger<TlsCertificateProvider> logger, ITlsCertificateSource? source = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _options = options;
        _hostName = listener.HostName;
        _logger = logger;
        _source = source;
    }

    /// <summary>What is served now and where it comes from (forces the first load, as a handshake would).</summary>
    public TlsCertificateStatus Status
    {
        get
        {
            var certificate = Current;
            lock (_gate)
            {
                var origin = ReferenceEquals(certificate, _fromSource) ? (_source is KeyVaultCertificateSource ? TlsCertificateOrigin.KeyVault : TlsCertificateOrigin.Storage)
                    : !string.IsNullOrEmpty(_options.CertificatePath) ? TlsCertificateOrigin.File
                    : TlsCertificateOrigin.SelfSigned;
                return new TlsCertificateStatus(origin, certificate.Subject, new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
            }
        }
    }

    /// <summary>True when the certificate comes from a source that must be refreshed periodically.</summary>
    public bool HasSource => _source is not null;

    public X509Certificate2 Current
    {
        get
        {
            lock (_gate)
            {
                if (_fromSource is not null)
                {
                    return _fromSource;
                }
                var path = _options.CertificatePath;
                if (!string.IsNullOrEmpty(path))
                {
                    var written = File.GetLastWriteTimeUtc(path);
                    if (_current is null || written != _loadedWriteTime)
                    {
                        try
                        {
                            _current = X509CertificateLoader.LoadPkcs12FromFile(path, _options.CertificatePassword);
                            _loadedWriteTime = written;
                            _logger.LogInformation("Loaded TLS certificate {Subject} (expires {NotAfter:u})", _current.Subject, _current.NotAfter);
                        }
                        catch (CryptographicException e) when (_current is not null)
                        {
                            // Caught mid-rewrite: keep serving the previous certificate and try again next handshake.
                            _logger.LogWarning("TLS certificate {Path} could not be loaded yet: {Reason}", path, e.Message);
                        }
                    }
                    return _current!;
                }
                // Until the first fetch from the source succeeds, a self-signed certificate keeps TLS working.
                return _current ??= LoadOrCreateDevelopmentCertificate();
            }
        }
    }

    /// <summary>
    /// The current certificate as one shared context for every handshake. Handing SslStream a bare
    /// certificate makes it build a context — chain, a copy of the certificate and, on Linux, an
    /// OpenSSL SSL_CTX — for each connection, and every connection keeps its own for life (about
    /// 1 KiB each, measured with idle IMAPS connections) and builds a chain per handshake. Rebuilt when the certificate changes.
    /// </summary>
    public SslStreamCertificateContext CurrentContext
    {
        get
        {
            var certificate = Current;
            lock (_gate)
            {
                if (_context is null || !ReferenceEquals(_context.TargetCertificate, certificate))
                {
                    // The intermediates go with the certificate: clients hold the roots, rarely an ACME CA's intermediate.
                    var intermediates = ReferenceEquals(certificate, _fromSource) ? _intermediates : null;
                    _context = SslStreamCertificateContext.Create(certificate, intermediates, offline: intermediates is { Count: > 0 });
                }
                return _context;
            }
        }
    }

    /// <summary>Fetches the certificate from its source again (no-op without one). Throws if the fetch fails; the old certificate stays.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_source is null)
        {
            return;
        }
        var (certificate, intermediates) = await _source.LoadChainAsync(cancellationToken);
        lock (_gate)
        {
            if (_fromSource?.Thumbprint == certificate.Thumbprint)
            {
                certificate.Dispose();
                return;
            }
            _fromSource = certificate;
            _intermediates = intermediates;
        }
        _logger.LogInformation("Serving TLS certificate {Subject} from {Source} (expires {NotAfter:u})", certificate.Subject, _source.Description, certificate.NotAfter);
    }

    /// <summary>Serialises creation of the development certificate across listeners of one process.</summary>
    private static readonly object DevelopmentGate = new();

    private X509Certificate2 LoadOrCreateDevelopmentCertificate()
    {
        var path = Path.GetFullPath(_options.DevelopmentCertificatePath);
        lock (DevelopmentGate)
        {
            if (File.Exists(path))
            {
                try
                {
                    var existing = X509CertificateLoader.LoadPkcs12FromFile(path, null);
                    if (existing.NotAfter > DateTime.Now.AddDays(7))
                    {
                        return existing;
                    }
                }
                catch (CryptographicException e)
                {
                    _logger.LogWarning("Development certificate {Path} is unreadable ({Reason}); making a new one", path, e.Message);
                }
            }
            return CreateDevelopmentCertificate(path);
        }
    }

    private X509Certificate2 CreateDevelopmentCertificate(string path)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={_hostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(_hostName);
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var pfx = created.Export(X509ContentType.Pfx);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Write aside and rename, so another process starting at the same time never reads half a file.
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temporary, pfx);
        File.Move(temporary, path, overwrite: true);
        _logger.LogInformation("Generated a self-signed development certificate at {Path}", path);
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }
}

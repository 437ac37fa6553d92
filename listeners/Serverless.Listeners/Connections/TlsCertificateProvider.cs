using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Serverless.Listeners.Hosting;

namespace Serverless.Listeners.Connections;

/// <summary>
/// The listeners' TLS certificate: a PFX from configuration (reloaded when the file changes, so a
/// renewed certificate from Key Vault takes effect without a restart), or a self-signed development
/// certificate generated on the first local run.
/// </summary>
public sealed class TlsCertificateProvider
{
    private readonly TlsOptions _options;
    private readonly string _hostName;
    private readonly ILogger<TlsCertificateProvider> _logger;
    private readonly object _gate = new();
    private X509Certificate2? _current;
    private DateTime _loadedWriteTime;

    public TlsCertificateProvider(TlsOptions options, ListenerOptions listener, ILogger<TlsCertificateProvider> logger)
    {
        _options = options;
        _hostName = listener.HostName;
        _logger = logger;
    }

    public X509Certificate2 Current
    {
        get
        {
            lock (_gate)
            {
                var path = _options.CertificatePath;
                if (!string.IsNullOrEmpty(path))
                {
                    var written = File.GetLastWriteTimeUtc(path);
                    if (_current is null || written != _loadedWriteTime)
                    {
                        _current = X509CertificateLoader.LoadPkcs12FromFile(path, _options.CertificatePassword);
                        _loadedWriteTime = written;
                        _logger.LogInformation("Loaded TLS certificate {Subject} (expires {NotAfter:u})", _current.Subject, _current.NotAfter);
                    }
                    return _current;
                }
                return _current ??= LoadOrCreateDevelopmentCertificate();
            }
        }
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

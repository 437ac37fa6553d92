using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Serverless.Listeners.Connections;

/// <summary>Where a TLS certificate with its private key is fetched from (Key Vault in Azure).</summary>
public interface ITlsCertificateSource
{
    string Description { get; }

    Task<X509Certificate2> LoadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A Key Vault certificate, read through its backing secret (which holds the private key) with the
/// listeners' managed identity (role: Key Vault Secrets User). The secret is a PFX (base64,
/// <c>application/x-pkcs12</c>) or a PEM bundle (<c>application/x-pem-file</c>), as Key Vault stores it.
/// </summary>
public sealed class KeyVaultCertificateSource(SecretClient client, string name) : ITlsCertificateSource
{
    public string Description => $"Key Vault {client.VaultUri.Host}/{name}";

    public static KeyVaultCertificateSource Create(string vaultUri, string name, string? clientId)
    {
        TokenCredential credential = string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return new KeyVaultCertificateSource(new SecretClient(new Uri(vaultUri), credential), name);
    }

    public async Task<X509Certificate2> LoadAsync(CancellationToken cancellationToken)
    {
        var secret = (await client.GetSecretAsync(name, cancellationToken: cancellationToken)).Value;
        return Parse(secret.Value, secret.Properties.ContentType);
    }

    /// <summary>Turns a certificate secret's value into a certificate with its private key.</summary>
    public static X509Certificate2 Parse(string value, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (string.Equals(contentType, "application/x-pem-file", StringComparison.OrdinalIgnoreCase) || value.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            using var pem = X509Certificate2.CreateFromPem(value, value);
            // Round-trip through PKCS#12 so SslStream can use the key on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        return X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(value), null);
    }
}

/// <summary>Fetches the certificate at start and then every <c>Mail:Tls:RefreshInterval</c>; a failed fetch keeps the current one.</summary>
public sealed partial class TlsCertificateRefresher(TlsCertificateProvider provider, Hosting.TlsOptions options, ILogger<TlsCertificateRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!provider.HasSource)
        {
            return;
        }
        var retry = TimeSpan.FromSeconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await provider.RefreshAsync(stoppingToken);
                wait = options.RefreshInterval;
                retry = TimeSpan.FromSeconds(5);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(e.Message);
                wait = retry;
                retry = TimeSpan.FromTicks(Math.Min(options.RefreshInterval.Ticks, retry.Ticks * 2));
            }
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the TLS certificate (the current one stays): {Reason}")]
    private partial void LogRefreshFailed(string reason);
}

using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;

namespace Serverless.Mail.Security;

/// <summary>Where a TLS certificate with its private key is fetched from (Key Vault in Azure).</summary>
public interface ITlsCertificateSource
{
    string Description { get; }

    Task<X509Certificate2> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The certificate and the intermediates a server sends after it (clients rarely hold an ACME
    /// CA's intermediate). Default: the certificate alone.
    /// </summary>
    async Task<TlsCertificateChain> LoadChainAsync(CancellationToken cancellationToken) => new(await LoadAsync(cancellationToken).ConfigureAwait(false), []);
}

/// <summary>A certificate with its private key and the intermediate certificates that lead to its root.</summary>
public sealed record TlsCertificateChain(X509Certificate2 Certificate, X509Certificate2Collection Intermediates)
{
    /// <summary>
    /// Reads a certificate secret's value: a PFX (base64) or a PEM bundle of certificates and the
    /// key. The one with the private key is the certificate; the others are its intermediates.
    /// </summary>
    public static TlsCertificateChain Parse(string value, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(value);
        var certificate = KeyVaultCertificateSource.Parse(value, contentType);
        var all = new X509Certificate2Collection();
        if (IsPem(value, contentType))
        {
            all.ImportFromPem(value);
        }
        else
        {
            all = X509CertificateLoader.LoadPkcs12Collection(Convert.FromBase64String(value), null);
        }
        var intermediates = new X509Certificate2Collection();
        foreach (var c in all)
        {
            if (c.Thumbprint != certificate.Thumbprint)
            {
                intermediates.Add(c);
            }
            else
            {
                c.Dispose();
            }
        }
        return new TlsCertificateChain(certificate, intermediates);
    }

    internal static bool IsPem(string value, string? contentType) =>
        string.Equals(contentType, "application/x-pem-file", StringComparison.OrdinalIgnoreCase) || value.Contains("-----BEGIN", StringComparison.Ordinal);
}

/// <summary>
/// A Key Vault certificate, read through its backing secret (which holds the private key) with the
/// reader's managed identity (role: Key Vault Secrets User). The secret is a PFX (base64,
/// <c>application/x-pkcs12</c>) or a PEM bundle (<c>application/x-pem-file</c>), as Key Vault stores it.
/// </summary>
public sealed class KeyVaultCertificateSource(SecretClient client, string name) : ITlsCertificateSource
{
    public string Description => $"Key Vault {client.VaultUri.Host}/{name}";

    public static KeyVaultCertificateSource Create(string vaultUri, string name, string? clientId) =>
        new(new SecretClient(new Uri(vaultUri), Credential(clientId)), name);

    /// <summary>The listeners' identity for the TLS vault: the user-assigned one when its client id is given.</summary>
    internal static TokenCredential Credential(string? clientId) => string.IsNullOrWhiteSpace(clientId)
        ? new DefaultAzureCredential()
        : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));

    public async Task<X509Certificate2> LoadAsync(CancellationToken cancellationToken)
    {
        var secret = (await client.GetSecretAsync(name, cancellationToken: cancellationToken)).Value;
        return Parse(secret.Value, secret.Properties.ContentType);
    }

    public async Task<TlsCertificateChain> LoadChainAsync(CancellationToken cancellationToken)
    {
        var secret = (await client.GetSecretAsync(name, cancellationToken: cancellationToken)).Value;
        return TlsCertificateChain.Parse(secret.Value, secret.Properties.ContentType);
    }

    /// <summary>Turns a certificate secret's value into a certificate with its private key.</summary>
    public static X509Certificate2 Parse(string value, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (TlsCertificateChain.IsPem(value, contentType))
        {
            using var pem = X509Certificate2.CreateFromPem(value, value);
            // Round-trip through PKCS#12 so SslStream can use the key on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        return X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(value), null);
    }
}

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
}

/// <summary>
/// A Key Vault certificate, read through its backing secret (which holds the private key) with the
/// reader's managed identity (role: Key Vault Secrets User). The secret is a PFX (base64,
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

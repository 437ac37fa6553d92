using System.Security.Cryptography.X509Certificates;
using Azure;
using Azure.Security.KeyVault.Certificates;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Security.Acme;

/// <summary>Where an issued certificate is kept, so that every listener replica loads it from there.</summary>
public interface IAcmeCertificateStore
{
    string Description { get; }

    /// <summary>When the kept certificate expires; null when there is none yet.</summary>
    Task<DateTimeOffset?> NotAfterAsync(CancellationToken cancellationToken);

    Task SaveAsync(AcmeIssuedCertificate certificate, CancellationToken cancellationToken);
}

/// <summary>
/// Without Key Vault (local, tests): the chain and its key as one PEM blob, <c>keys/acme/certificate.pem</c>.
/// It is also the listeners' <see cref="ITlsCertificateSource"/>, read again every <c>Mail:Tls:RefreshInterval</c>.
/// </summary>
public sealed class BlobAcmeCertificateStore(MailStorage storage) : IAcmeCertificateStore, ITlsCertificateSource
{
    private BlobClient Blob => storage.Keys.GetBlobClient("acme/certificate.pem");

    public string Description => $"blob {storage.Keys.Name}/acme/certificate.pem";

    public async Task<DateTimeOffset?> NotAfterAsync(CancellationToken cancellationToken)
    {
        if (await ReadAsync(cancellationToken).ConfigureAwait(false) is not { } pem)
        {
            return null;
        }
        using var leaf = X509Certificate2.CreateFromPem(pem);
        return new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
    }

    public async Task SaveAsync(AcmeIssuedCertificate certificate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var content = BinaryData.FromString(certificate.CertificateChainPem.TrimEnd() + "\n" + certificate.PrivateKeyPem);
        await Blob.UploadAsync(content, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-pem-file" } }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<X509Certificate2> LoadAsync(CancellationToken cancellationToken) => (await LoadChainAsync(cancellationToken).ConfigureAwait(false)).Certificate;

    public async Task<TlsCertificateChain> LoadChainAsync(CancellationToken cancellationToken) =>
        TlsCertificateChain.Parse(await ReadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("no certificate issued yet (" + Description + ")"), "application/x-pem-file");

    private async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await Blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}

/// <summary>
/// In Azure: the Key Vault certificate <c>Mail:Tls:KeyVaultCertificateName</c>, imported as a new
/// version (PFX with the chain); <see cref="KeyVaultCertificateSource"/> reads it back through its
/// secret. Needs the role Key Vault Certificates Officer (get + import) on that vault.
/// </summary>
public sealed class KeyVaultAcmeCertificateStore(CertificateClient client, string name) : IAcmeCertificateStore
{
    public string Description => $"Key Vault {client.VaultUri.Host}/{name}";

    public static KeyVaultAcmeCertificateStore Create(string vaultUri, string name, string? clientId) =>
        new(new CertificateClient(new Uri(vaultUri), KeyVaultCertificateSource.Credential(clientId)), name);

    public async Task<DateTimeOffset?> NotAfterAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetCertificateAsync(name, cancellationToken).ConfigureAwait(false)).Value.Properties.ExpiresOn;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task SaveAsync(AcmeIssuedCertificate certificate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        await client.ImportCertificateAsync(new ImportCertificateOptions(name, certificate.ToPkcs12()), cancellationToken).ConfigureAwait(false);
    }
}

using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>DKIM private keys as blobs <c>dkim/{domain}/{selector}.pem</c> in the private <c>keys</c> container (local development, or no Key Vault).</summary>
public sealed class BlobDkimPrivateKeyStore(MailStorage storage) : IDkimPrivateKeyStore
{
    private readonly BlobContainerClient _container = (storage ?? throw new ArgumentNullException(nameof(storage))).Keys;

    public static string BlobName(string domain, string selector) => $"dkim/{domain}/{selector}.pem";

    public async Task SaveAsync(string domain, string selector, string privateKeyPem, CancellationToken cancellationToken = default)
    {
        var blob = _container.GetBlobClient(BlobName(domain, selector));
        await blob.UploadAsync(new BinaryData(Encoding.ASCII.GetBytes(privateKeyPem)), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-pem-file" },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> LoadAsync(string domain, string selector, CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await _container.GetBlobClient(BlobName(domain, selector)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return Encoding.ASCII.GetString(content.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string domain, string selector, CancellationToken cancellationToken = default) =>
        await _container.GetBlobClient(BlobName(domain, selector)).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
}

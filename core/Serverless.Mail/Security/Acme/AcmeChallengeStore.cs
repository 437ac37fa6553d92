using Azure;
using Azure.Storage.Blobs;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Security.Acme;

/// <summary>
/// The open HTTP-01 challenges, kept in storage (<c>keys/acme/challenges/{token}</c>) and not in
/// memory: the CA's validation request may reach any listener replica, not the one that ordered.
/// </summary>
public sealed class AcmeChallengeStore(MailStorage storage) : IAcmeChallengeResponder
{
    private const string Folder = "acme/challenges/";

    public async Task PublishAsync(string token, string keyAuthorization, CancellationToken cancellationToken)
    {
        await Blob(token).UploadAsync(BinaryData.FromString(keyAuthorization), overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsync(string token, CancellationToken cancellationToken)
    {
        await Blob(token).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The key authorization for <paramref name="token"/>, or null when no such challenge is open.</summary>
    public async Task<string?> FindAsync(string token, CancellationToken cancellationToken)
    {
        if (!IsToken(token))
        {
            return null; // never a path the client chose beyond the base64url alphabet
        }
        try
        {
            return (await Blob(token).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>RFC 8555 §8.3: a token is base64url, at least 128 bits of entropy.</summary>
    private static bool IsToken(string token) =>
        token.Length is > 0 and <= 128 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private BlobClient Blob(string token) => storage.Keys.GetBlobClient(Folder + token);
}

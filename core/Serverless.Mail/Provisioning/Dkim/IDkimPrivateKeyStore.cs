namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>
/// Where DKIM private keys are kept: Azure Key Vault secrets in Azure, the <c>keys</c> blob
/// container locally. Keys are addressed by domain and selector; a selector is never reused, so
/// a name is written once.
/// </summary>
public interface IDkimPrivateKeyStore
{
    /// <summary>Stores a new key; throws if one exists under the same domain and selector.</summary>
    Task SaveAsync(string domain, string selector, string privateKeyPem, CancellationToken cancellationToken = default);

    /// <summary>The PEM of the key, or null if there is none.</summary>
    Task<string?> LoadAsync(string domain, string selector, CancellationToken cancellationToken = default);

    /// <summary>Removes the key; no error if it is already gone.</summary>
    Task DeleteAsync(string domain, string selector, CancellationToken cancellationToken = default);
}

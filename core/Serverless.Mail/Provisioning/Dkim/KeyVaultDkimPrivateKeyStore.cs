using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Security.KeyVault.Secrets;

namespace Serverless.Mail.Provisioning.Dkim;

/// <summary>
/// DKIM private keys as Key Vault secrets, reached with the app's managed identity. Secret names
/// allow only letters, digits and hyphens, so the name is a hash of domain and selector
/// (<c>dkim-{32 hex}</c>); the domain and selector are kept as tags for people looking at the vault.
/// Deleting uses the vault's soft delete: a deleted key can be recovered for the retention period.
/// </summary>
public sealed class KeyVaultDkimPrivateKeyStore(SecretClient secrets) : IDkimPrivateKeyStore
{
    public static string SecretName(string domain, string selector) =>
        "dkim-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(domain + "/" + selector)).AsSpan(0, 16));

    public async Task SaveAsync(string domain, string selector, string privateKeyPem, CancellationToken cancellationToken = default)
    {
        var name = SecretName(domain, selector);
        if (await LoadAsync(domain, selector, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new InvalidOperationException($"A DKIM key for {selector}._domainkey.{domain} exists already.");
        }
        var secret = new KeyVaultSecret(name, privateKeyPem);
        secret.Properties.ContentType = "application/x-pem-file";
        secret.Properties.Tags["purpose"] = "dkim";
        secret.Properties.Tags["domain"] = domain;
        secret.Properties.Tags["selector"] = selector;
        await secrets.SetSecretAsync(secret, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> LoadAsync(string domain, string selector, CancellationToken cancellationToken = default)
    {
        try
        {
            var secret = await secrets.GetSecretAsync(SecretName(domain, selector), cancellationToken: cancellationToken).ConfigureAwait(false);
            return secret.Value.Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string domain, string selector, CancellationToken cancellationToken = default)
    {
        try
        {
            await secrets.StartDeleteSecretAsync(SecretName(domain, selector), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }
}

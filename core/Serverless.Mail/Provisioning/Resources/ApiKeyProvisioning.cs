using Serverless.Mail.Accounts;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>A tenant's API keys: issue (shown once), list and revoke — rotation is issue, switch, revoke.</summary>
public sealed class ApiKeyProvisioning(MailDirectory directory)
{
    public async Task<CreatedApiKeyView> CreateAsync(string tenant, CancellationToken cancellationToken)
    {
        var (record, plaintext) = await directory.CreateApiKeyAsync(tenant, cancellationToken);
        return new CreatedApiKeyView(record.KeyId, plaintext, record.CreatedAt);
    }

    public async Task<ListView<ApiKeyView>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var keys = await directory.ListApiKeysAsync(tenant, cancellationToken);
        return new ListView<ApiKeyView>(keys.OrderBy(k => k.CreatedAt).Select(k => new ApiKeyView(k.KeyId, k.CreatedAt)).ToList(), null);
    }

    public async Task<ProvisioningOutcome<Done>> DeleteAsync(string tenant, string keyId, CancellationToken cancellationToken)
    {
        var valid = keyId is { Length: 16 } && keyId.All(char.IsAsciiHexDigitLower);
        if (!valid || !await directory.DeleteApiKeyAsync(tenant, keyId, cancellationToken))
        {
            return ProvisioningError.NotFound($"Key '{keyId}' not found.");
        }
        return Done.Instance;
    }
}

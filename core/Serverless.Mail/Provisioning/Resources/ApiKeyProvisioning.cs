using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Mail.Accounts;
using Serverless.Mail.Provisioning.Api;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>/tenants/{tenant}/keys: issue (shown once), list and revoke a tenant's API keys — rotation is issue, switch, revoke.</summary>
public sealed class ApiKeyProvisioning(ApiGate gate, MailDirectory directory)
{
    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var (record, plaintext) = await directory.CreateApiKeyAsync(call.Tenant, call.Cancellation);
        return ApiResult.Created($"/api/tenants/{tenant}/keys/{record.KeyId}", new CreatedApiKeyView(record.KeyId, plaintext, record.CreatedAt));
    });

    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var keys = await directory.ListApiKeysAsync(call.Tenant, call.Cancellation);
        return ApiResult.Ok(new ListView<ApiKeyView>(keys.OrderBy(k => k.CreatedAt).Select(k => new ApiKeyView(k.KeyId, k.CreatedAt)).ToList(), null));
    });

    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string keyId) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var valid = keyId is { Length: 16 } && keyId.All(char.IsAsciiHexDigitLower);
        if (!valid || !await directory.DeleteApiKeyAsync(call.Tenant, keyId, call.Cancellation))
        {
            throw new ApiProblemException(ApiProblem.NotFound($"Key '{keyId}' not found."));
        }
        return ApiResult.NoContent();
    });
}

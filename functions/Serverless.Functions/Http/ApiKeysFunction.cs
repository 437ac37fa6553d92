using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/keys — see <see cref="ApiKeyRequests"/>.</summary>
public sealed class ApiKeysFunction(ApiKeyRequests keys)
{
    [Function("CreateApiKey")]
    public Task<IActionResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/keys")] HttpRequest request, string tenant) =>
        keys.CreateAsync(request, tenant);

    [Function("ListApiKeys")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/keys")] HttpRequest request, string tenant) =>
        keys.ListAsync(request, tenant);

    [Function("DeleteApiKey")]
    public Task<IActionResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}/keys/{keyId}")] HttpRequest request,
        string tenant, string keyId) =>
        keys.DeleteAsync(request, tenant, keyId);
}

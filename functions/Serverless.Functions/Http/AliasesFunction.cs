using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/aliases — see <see cref="AliasRequests"/>.</summary>
public sealed class AliasesFunction(AliasRequests aliases)
{
    [Function("CreateAlias")]
    public Task<IActionResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/aliases")] HttpRequest request, string tenant) =>
        aliases.CreateAsync(request, tenant);

    [Function("ListAliases")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/aliases")] HttpRequest request, string tenant) =>
        aliases.ListAsync(request, tenant);

    [Function("GetAlias")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/aliases/{address}")] HttpRequest request,
        string tenant, string address) =>
        aliases.GetAsync(request, tenant, address);

    [Function("DeleteAlias")]
    public Task<IActionResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}/aliases/{address}")] HttpRequest request,
        string tenant, string address) =>
        aliases.DeleteAsync(request, tenant, address);
}

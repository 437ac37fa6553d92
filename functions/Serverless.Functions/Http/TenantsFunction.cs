using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants — see <see cref="TenantRequests"/>.</summary>
public sealed class TenantsFunction(TenantRequests tenants)
{
    [Function("CreateTenant")]
    public Task<IActionResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants")] HttpRequest request) =>
        tenants.CreateAsync(request);

    [Function("ListTenants")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants")] HttpRequest request) =>
        tenants.ListAsync(request);

    [Function("GetTenant")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}")] HttpRequest request, string tenant) =>
        tenants.GetAsync(request, tenant);

    [Function("DeleteTenant")]
    public Task<IActionResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}")] HttpRequest request, string tenant) =>
        tenants.DeleteAsync(request, tenant);
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/domains — see <see cref="DomainRequests"/>.</summary>
public sealed class DomainsFunction(DomainRequests domains)
{
    [Function("CreateDomain")]
    public Task<IActionResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/domains")] HttpRequest request, string tenant) =>
        domains.CreateAsync(request, tenant);

    [Function("ListDomains")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/domains")] HttpRequest request, string tenant) =>
        domains.ListAsync(request, tenant);

    [Function("GetDomain")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/domains/{name}")] HttpRequest request,
        string tenant, string name) =>
        domains.GetAsync(request, tenant, name);

    [Function("VerifyDomain")]
    public Task<IActionResult> Verify([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/domains/{name}/verify")] HttpRequest request,
        string tenant, string name) =>
        domains.VerifyAsync(request, tenant, name);

    [Function("RotateDkim")]
    public Task<IActionResult> RotateDkim([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/domains/{name}/dkim/rotate")] HttpRequest request,
        string tenant, string name) =>
        domains.RotateDkimAsync(request, tenant, name);

    [Function("UpdateDomain")]
    public Task<IActionResult> Update([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/tenants/{tenant}/domains/{name}")] HttpRequest request,
        string tenant, string name) =>
        domains.UpdateAsync(request, tenant, name);

    [Function("CheckDomainDns")]
    public Task<IActionResult> CheckDns([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/domains/{name}/dns-check")] HttpRequest request,
        string tenant, string name) =>
        domains.CheckDnsAsync(request, tenant, name);

    [Function("DeleteDomain")]
    public Task<IActionResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}/domains/{name}")] HttpRequest request,
        string tenant, string name) =>
        domains.DeleteAsync(request, tenant, name);
}

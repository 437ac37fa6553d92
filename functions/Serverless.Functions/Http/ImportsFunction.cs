using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/imports and …/export — see <see cref="ImportRequests"/>.</summary>
public sealed class ImportsFunction(ImportRequests imports)
{
    [Function("StartImport")]
    public Task<IActionResult> Start([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/mailboxes/{address}/imports")] HttpRequest request,
        string tenant, string address) =>
        imports.StartAsync(request, tenant, address);

    [Function("GetImport")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}/imports/{id}")] HttpRequest request,
        string tenant, string address, string id) =>
        imports.GetAsync(request, tenant, address, id);

    [Function("CancelImport")]
    public Task<IActionResult> Cancel([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}/mailboxes/{address}/imports/{id}")] HttpRequest request,
        string tenant, string address, string id) =>
        imports.CancelAsync(request, tenant, address, id);

    [Function("ExportMailbox")]
    public Task<IActionResult> Export([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}/export")] HttpRequest request,
        string tenant, string address) =>
        imports.ExportAsync(request, tenant, address);
}

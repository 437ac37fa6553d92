using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/sieve and …/vacation — see <see cref="SieveRequests"/>.</summary>
public sealed class SieveFunction(SieveRequests sieve)
{
    [Function("GetSieveScript")]
    public Task<IActionResult> GetScript([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}/sieve")] HttpRequest request,
        string tenant, string address) =>
        sieve.GetScriptAsync(request, tenant, address);

    [Function("PutSieveScript")]
    public Task<IActionResult> PutScript([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/tenants/{tenant}/mailboxes/{address}/sieve")] HttpRequest request,
        string tenant, string address) =>
        sieve.PutScriptAsync(request, tenant, address);

    [Function("GetVacation")]
    public Task<IActionResult> GetVacation([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}/vacation")] HttpRequest request,
        string tenant, string address) =>
        sieve.GetVacationAsync(request, tenant, address);

    [Function("SetVacation")]
    public Task<IActionResult> SetVacation([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/tenants/{tenant}/mailboxes/{address}/vacation")] HttpRequest request,
        string tenant, string address) =>
        sieve.SetVacationAsync(request, tenant, address);
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/mailboxes — see <see cref="MailboxRequests"/>.</summary>
public sealed class MailboxesFunction(MailboxRequests mailboxes)
{
    [Function("CreateMailbox")]
    public Task<IActionResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/mailboxes")] HttpRequest request, string tenant) =>
        mailboxes.CreateAsync(request, tenant);

    [Function("ListMailboxes")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes")] HttpRequest request, string tenant) =>
        mailboxes.ListAsync(request, tenant);

    [Function("GetMailbox")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}")] HttpRequest request,
        string tenant, string address) =>
        mailboxes.GetAsync(request, tenant, address);

    [Function("UpdateMailbox")]
    public Task<IActionResult> Update([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/tenants/{tenant}/mailboxes/{address}")] HttpRequest request,
        string tenant, string address) =>
        mailboxes.UpdateAsync(request, tenant, address);

    [Function("SetMailboxPassword")]
    public Task<IActionResult> SetPassword([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/tenants/{tenant}/mailboxes/{address}/password")] HttpRequest request,
        string tenant, string address) =>
        mailboxes.SetPasswordAsync(request, tenant, address);

    [Function("DeleteMailbox")]
    public Task<IActionResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}/mailboxes/{address}")] HttpRequest request,
        string tenant, string address) =>
        mailboxes.DeleteAsync(request, tenant, address);
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/send-as — see <see cref="SendAsRequests"/>.</summary>
public sealed class SendAsFunction(SendAsRequests sendAs)
{
    [Function("GrantSendAs")]
    public Task<IActionResult> Grant([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tenants/{tenant}/mailboxes/{address}/send-as")] HttpRequest request,
        string tenant, string address) =>
        sendAs.GrantAsync(request, tenant, address);

    [Function("ListSendAs")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}/send-as")] HttpRequest request,
        string tenant, string address) =>
        sendAs.ListAsync(request, tenant, address);

    [Function("RevokeSendAs")]
    public Task<IActionResult> Revoke([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/tenants/{tenant}/mailboxes/{address}/send-as/{granted}")] HttpRequest request,
        string tenant, string address, string granted) =>
        sendAs.RevokeAsync(request, tenant, address, granted);
}

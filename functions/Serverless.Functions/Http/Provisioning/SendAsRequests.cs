using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/send-as over HTTP (<see cref="SendAsProvisioning"/>).</summary>
public sealed class SendAsRequests(ApiGate gate, SendAsProvisioning sendAs)
{
    public Task<IActionResult> GrantAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.GrantSendAs, call.Cancellation);
        var outcome = await sendAs.GrantAsync(call.Tenant, address, new GrantSendAs(body.GetString("address")!), call.Cancellation);
        return outcome.Created(g => $"/api/tenants/{tenant}/mailboxes/{Uri.EscapeDataString(g.Mailbox)}/send-as/{Uri.EscapeDataString(g.Address)}");
    });

    public Task<IActionResult> ListAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await sendAs.ListAsync(call.Tenant, address, call.Cancellation)).Ok());

    public Task<IActionResult> RevokeAsync(HttpRequest request, string tenant, string address, string granted) =>
        gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call => (await sendAs.RevokeAsync(call.Tenant, address, granted, call.Cancellation)).NoContent());
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/mailboxes over HTTP (<see cref="MailboxProvisioning"/>).</summary>
public sealed class MailboxRequests(ApiGate gate, MailboxProvisioning mailboxes)
{
    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateMailbox, call.Cancellation);
        var create = new CreateMailbox(body.GetString("address")!, body.GetString("password")!, body.GetString("displayName"), body.GetInt64("quotaBytes"));
        var outcome = await mailboxes.CreateAsync(call.Tenant, create, call.Cancellation);
        return outcome.Created(m => $"/api/tenants/{tenant}/mailboxes/{Uri.EscapeDataString(m.Address)}");
    });

    /// <summary>A page of the tenant's mailboxes (?limit=, ?continuationToken=, ?domain=).</summary>
    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await mailboxes.ListAsync(call.Tenant, QueryParameters.AddressPage(request), call.Cancellation)).Ok());

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await mailboxes.GetAsync(call.Tenant, address, call.Cancellation)).Ok());

    public Task<IActionResult> UpdateAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.UpdateMailbox, call.Cancellation);
        var update = new UpdateMailbox(body.GetString("displayName"), body.GetInt64("quotaBytes"), body.GetBoolean("enabled"));
        return (await mailboxes.UpdateAsync(call.Tenant, address, update, call.Cancellation)).Ok();
    });

    public Task<IActionResult> SetPasswordAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.SetPassword, call.Cancellation);
        return (await mailboxes.SetPasswordAsync(call.Tenant, address, new SetPassword(body.GetString("password")!), call.Cancellation)).NoContent();
    });

    /// <summary>204 when everything is gone; 202 when the contents of a large mailbox go on being removed in the background.</summary>
    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var outcome = await mailboxes.DeleteAsync(call.Tenant, address, call.Cancellation);
        if (outcome.Error is { } error)
        {
            return ApiProblem.From(error);
        }
        var (removal, deletion) = outcome.Value;
        return removal == MailboxRemovalOutcome.Removed ? ApiResult.NoContent() : ApiResult.Accepted(deletion);
    });
}

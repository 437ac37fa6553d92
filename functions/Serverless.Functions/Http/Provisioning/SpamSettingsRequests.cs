using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/spam-settings over HTTP (<see cref="SpamSettingsProvisioning"/>).</summary>
public sealed class SpamSettingsRequests(ApiGate gate, SpamSettingsProvisioning settings)
{
    public Task<IActionResult> GetAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await settings.GetAsync(call.Tenant, call.Cancellation)).Ok());

    public Task<IActionResult> SetAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.SetSpamSettings, call.Cancellation);
        var outcome = await settings.PutAsync(call.Tenant, new SetSpamSettings(body.GetDouble("junkScore"), body.GetDouble("rejectScore"),
            body.GetStrings("allow"), body.GetStrings("block")), call.Cancellation);
        return outcome.Ok();
    });
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Dns;
using Serverless.Mail.Provisioning.Requests;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/domains over HTTP (<see cref="DomainProvisioning"/>).</summary>
public sealed class DomainRequests(ApiGate gate, DomainProvisioning domains, DomainDnsCheck dnsCheck)
{
    public Task<IActionResult> CreateAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.CreateDomain, call.Cancellation);
        var outcome = await domains.CreateAsync(call.Tenant, new CreateDomain(body.GetString("name")!), call.Cancellation);
        return outcome.Created(d => $"/api/tenants/{tenant}/domains/{d.Name}");
    });

    public Task<IActionResult> ListAsync(HttpRequest request, string tenant) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        ApiResult.Ok(await domains.ListAsync(call.Tenant, call.Cancellation)));

    public Task<IActionResult> GetAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await domains.GetAsync(call.Tenant, name, call.Cancellation)).Ok());

    /// <summary>200 verified, 409 saying what DNS held instead; ?force=true (no DNS) only with the admin key, 403 otherwise.</summary>
    public Task<IActionResult> VerifyAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var force = QueryParameters.Flag(request, "force");
        if (force && !call.Caller.IsAdmin)
        {
            return ApiProblem.Forbidden("force=true needs the admin key; a tenant proves its domain by DNS.");
        }
        return (await domains.VerifyAsync(call.Tenant, name, force, call.Cancellation)).Ok();
    });

    /// <summary>A new DKIM key and selector beside the current one; signing switches once DNS serves it.</summary>
    public Task<IActionResult> RotateDkimAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await domains.RotateDkimAsync(call.Tenant, name, call.Cancellation)).Ok());

    /// <summary>The domain's settings: for now whether mail is signed a second time with an Ed25519 key (RFC 8463).</summary>
    public Task<IActionResult> UpdateAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.UpdateDomain, call.Cancellation);
        return (await domains.SetEd25519Async(call.Tenant, name, body.GetBoolean("dkimEd25519")!.Value, call.Cancellation)).Ok();
    });

    /// <summary>Each record looked up on the configured DNS servers: ok, missing, different (or error), and where the MX host points.</summary>
    public Task<IActionResult> CheckDnsAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await dnsCheck.CheckAsync(call.Tenant, name, call.Cancellation)).Ok());

    /// <summary>409 while the domain has mailboxes, unless ?force=true.</summary>
    public Task<IActionResult> DeleteAsync(HttpRequest request, string tenant, string name) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var force = QueryParameters.Flag(request, "force");
        return (await domains.DeleteAsync(call.Tenant, name, force, call.Cancellation)).NoContent();
    });
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Clients;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/mobileconfig — the mailbox's Apple configuration profile (<see cref="ClientSetup.AppleProfileAsync"/>).</summary>
public sealed class ClientProfileFunction(ApiGate gate, ClientSetup setup)
{
    [Function("GetMailboxProfile")]
    public Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/mailboxes/{address}/mobileconfig")] HttpRequest request,
        string tenant, string address) =>
        gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        {
            var outcome = await setup.AppleProfileAsync(call.Tenant, address, call.Cancellation);
            return outcome.Error is { } error
                ? ApiProblem.From(error)
                : ApiResult.Bytes(StatusCodes.Status200OK, outcome.Value!.Content, outcome.Value.ContentType)
                    .WithHeader("Content-Disposition", "attachment; filename=\"mail.mobileconfig\"");
        });
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Spam.Learning;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/spam-training over HTTP (<see cref="SpamTraining"/>).</summary>
public sealed class SpamTrainingRequests(ApiGate gate, SpamTraining training)
{
    public Task<IActionResult> TrainAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.SpamTraining, call.Cancellation);
        var messages = body.GetObjects("messages")
            .Select(m => new SpamTrainingMessage(
                m.GetProperty("folder").GetString()!,
                m.GetProperty("uid").GetInt64(),
                m.TryGetProperty("uidValidity", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetInt64() : null))
            .ToList();
        return (await training.TrainAsync(call.Tenant, address, new SpamTrainingRequest(messages, body.GetString("verdict")!), call.Cancellation)).Accepted();
    });

    public Task<IActionResult> StatusAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await training.StatusAsync(call.Tenant, address, call.Cancellation)).Ok());
}

using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Resources;

namespace Serverless.Functions.Http.Provisioning;

/// <summary>/api/tenants/{tenant}/mailboxes/{address}/sieve and …/vacation over HTTP (<see cref="SieveProvisioning"/>).</summary>
public sealed class SieveRequests(ApiGate gate, SieveProvisioning sieve)
{
    public Task<IActionResult> GetScriptAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var outcome = await sieve.GetScriptAsync(call.Tenant, address, call.Cancellation);
        return outcome.Error is { } error ? ApiProblem.From(error) : outcome.Value!.Text is { } text ? ApiResult.Text(text) : ApiResult.NoContent();
    });

    public Task<IActionResult> PutScriptAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var script = await RequestBody.ReadTextAsync(request, "script", call.Cancellation);
        var outcome = await sieve.PutScriptAsync(call.Tenant, address, script, call.Cancellation);
        return outcome.Error is { } error ? ApiProblem.From(error) : ApiResult.Text(outcome.Value!.Text!);
    });

    public Task<IActionResult> GetVacationAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
        (await sieve.GetVacationAsync(call.Tenant, address, call.Cancellation)).Ok());

    public Task<IActionResult> SetVacationAsync(HttpRequest request, string tenant, string address) => gate.RunAsync(request, ApiAccess.TenantOrAdmin, tenant, async call =>
    {
        var body = await RequestBody.ReadAsync(request, ProvisioningSchemas.SetVacation, call.Cancellation);
        DateTimeOffset? until = null;
        if (body.GetString("until") is { } text)
        {
            if (!text.Contains('T', StringComparison.Ordinal) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                || !(text.EndsWith('Z') || text.EndsWith('z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.Ordinal)))
            {
                return ApiProblem.Invalid("until", "must be an RFC 3339 date-time with an offset, e.g. 2026-12-24T18:00:00+01:00.");
            }
            until = parsed;
        }
        var days = body.GetInt64("days");
        var request2 = new SetVacation(body.GetBoolean("enabled")!.Value, body.GetString("subject"), body.GetString("body"), body.GetString("from"), until,
            days is { } d ? (int)Math.Clamp(d, int.MinValue, int.MaxValue) : null);
        return (await sieve.SetVacationAsync(call.Tenant, address, request2, call.Cancellation)).Ok();
    });
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Provisioning;

namespace Serverless.Functions.Http;

/// <summary>/api/tenants/{tenant}/spam-settings — see <see cref="SpamSettingsRequests"/>.</summary>
public sealed class SpamSettingsFunction(SpamSettingsRequests settings)
{
    [Function("GetSpamSettings")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/tenants/{tenant}/spam-settings")] HttpRequest request, string tenant) =>
        settings.GetAsync(request, tenant);

    [Function("SetSpamSettings")]
    public Task<IActionResult> Set([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/tenants/{tenant}/spam-settings")] HttpRequest request, string tenant) =>
        settings.SetAsync(request, tenant);
}

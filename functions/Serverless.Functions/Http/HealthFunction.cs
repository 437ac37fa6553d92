using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Storage;

namespace Serverless.Functions.Http;

/// <summary>GET /api/health — no key. 200 when storage answers, 503 when it does not.</summary>
public sealed class HealthFunction(MailStorage storage)
{
    [Function("Health")]
    public async Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await storage.Directory.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("health", "probe", cancellationToken: timeout.Token);
            return new OkObjectResult(new { status = "ok", storage = "ok" });
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException)
        {
            return new ObjectResult(new { status = "degraded", storage = "unreachable" }) { StatusCode = StatusCodes.Status503ServiceUnavailable };
        }
    }
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Api;
using Serverless.Functions.Http.OpenApi;

namespace Serverless.Functions.Http;

/// <summary>GET /api/openapi.json — no key. The OpenAPI 3.1 document, built from this app's own route attributes.</summary>
public sealed class OpenApiFunction
{
    private static readonly Lazy<JsonObject> Document = new(() => OpenApiDocumentBuilder.Build(HttpRouteTable.All));

    [Function("OpenApi")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/openapi.json")] HttpRequest request) =>
        ApiResult.Ok(Document.Value);
}

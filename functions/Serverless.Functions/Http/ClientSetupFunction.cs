using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning.Clients;

namespace Serverless.Functions.Http;

/// <summary>
/// What mail clients and sending servers fetch on their own, at the root (host.json's routePrefix
/// is "" for these): Thunderbird's autoconfig, Outlook's Autodiscover, the MTA-STS policy. No key.
/// The domain is the Host header's (<c>autoconfig.{domain}</c>, <c>autodiscover.{domain}</c>,
/// <c>mta-sts.{domain}</c>, or the domain itself), or <c>?domain=</c> where a client cannot set the
/// header; one no tenant has verified is 404. See <see cref="ClientSetup"/>.
/// </summary>
public sealed class ClientSetupFunction(ClientSetup setup)
{
    [Function("ThunderbirdAutoconfig")]
    public async Task<IActionResult> Autoconfig([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "mail/config-v1.1.xml")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var address = Query(request, "emailaddress");
        return Answer(await setup.ThunderbirdAsync(ClientSetup.DomainOf(Query(request, "domain"), request.Host.Value, address), address,
            request.HttpContext.RequestAborted));
    }

    /// <summary>The same document where Thunderbird looks on the domain itself.</summary>
    [Function("ThunderbirdWellKnownAutoconfig")]
    public Task<IActionResult> WellKnownAutoconfig(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/autoconfig/mail/config-v1.1.xml")] HttpRequest request) =>
        Autoconfig(request);

    [Function("AutodiscoverXml")]
    public async Task<IActionResult> AutodiscoverXml([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "autodiscover/autodiscover.xml")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Answer(await setup.AutodiscoverXmlAsync(Query(request, "domain"), request.Host.Value, request.Body, request.HttpContext.RequestAborted));
    }

    /// <summary>Autodiscover v2: <c>?Email=…&amp;Protocol=…</c>.</summary>
    [Function("AutodiscoverJson")]
    public Task<IActionResult> AutodiscoverJson([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "autodiscover/autodiscover.json")] HttpRequest request) =>
        AutodiscoverJsonFor(request, Query(request, "Email"));

    /// <summary>Autodiscover v2 with the address in the path: <c>/autodiscover/autodiscover.json/v1.0/{address}?Protocol=…</c>.</summary>
    [Function("AutodiscoverJsonV1")]
    public Task<IActionResult> AutodiscoverJsonV1(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "autodiscover/autodiscover.json/v1.0/{address}")] HttpRequest request, string address) =>
        AutodiscoverJsonFor(request, address);

    [Function("MtaStsPolicy")]
    public async Task<IActionResult> MtaSts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/mta-sts.txt")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Answer(await setup.MtaStsPolicyAsync(ClientSetup.DomainOf(Query(request, "domain"), request.Host.Value, null), request.HttpContext.RequestAborted));
    }

    private async Task<IActionResult> AutodiscoverJsonFor(HttpRequest request, string? address)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answer = await setup.AutodiscoverJsonAsync(Query(request, "domain"), request.Host.Value, address, Query(request, "Protocol"),
            request.HttpContext.RequestAborted);
        return answer is { } a ? ApiResult.Bytes(a.Status, a.Document.Content, a.Document.ContentType) : NotHosted();
    }

    private static ApiResult Answer(ClientDocument? document) =>
        document is null ? NotHosted() : ApiResult.Bytes(StatusCodes.Status200OK, document.Content, document.ContentType);

    private static ApiResult NotHosted() => ApiProblem.Status(StatusCodes.Status404NotFound, "No such domain is hosted here.");

    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;
}

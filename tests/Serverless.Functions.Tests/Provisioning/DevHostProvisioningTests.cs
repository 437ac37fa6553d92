using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.OpenApi;
using Serverless.DevHost;
using Serverless.Functions.Http;
using Serverless.Functions.Http.OpenApi;
using Serverless.Testing;
using Xunit;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>The API over real HTTP through the dev host: every route, another tenant's key, and the OpenAPI document.</summary>
public sealed class DevHostProvisioningTests
{
    private const string AdminKey = "devhost-admin-key-0123456789abcdef";

    [Fact]
    public async Task Every_route_refuses_another_tenants_key_and_the_openapi_document_describes_every_route()
    {
        var apiPort = AzuriteProcess.FreePort();
        var settings = await TestStorage.SettingsAsync();
        settings["Mail:Api:Port"] = apiPort.ToString();
        settings["Mail:AdminApiKey"] = AdminKey;
        settings["Mail:Provisioning:MaxFailedAuthPerIp"] = "1000";
        settings["Mail:DevHost:RunTimers"] = "false";
        settings["Mail:Provisioning:RequireDomainVerification"] = "false";
        foreach (var name in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s", "ManageSieve", "Health" })
        {
            settings[$"Mail:Listeners:Ports:{name}"] = name == "Health" ? "0" : AzuriteProcess.FreePort().ToString();
        }
        settings["Mail:Tls:DevelopmentCertificatePath"] = Path.Combine(Path.GetTempPath(), "serverless-mail-test-cert.pfx");
        await using var app = DevHostApp.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/api/") };

            // alpha owns a domain, a mailbox and an alias; beta owns nothing of them.
            var alpha = await Call(http, "POST", "tenants", AdminKey, new { id = "alpha", displayName = "Alpha" }, HttpStatusCode.Created);
            var beta = await Call(http, "POST", "tenants", AdminKey, new { id = "beta" }, HttpStatusCode.Created);
            var alphaKey = alpha.GetProperty("apiKey").GetString()!;
            var betaKey = beta.GetProperty("apiKey").GetString()!;
            await Call(http, "POST", "tenants/alpha/domains", alphaKey, new { name = "alpha.test" }, HttpStatusCode.Created);
            await Call(http, "POST", "tenants/alpha/mailboxes", alphaKey, new { address = "m@alpha.test", password = "mailbox password" }, HttpStatusCode.Created);
            await Call(http, "POST", "tenants/alpha/aliases", alphaKey, new { address = "a@alpha.test", targets = new List<string> { "m@alpha.test" } }, HttpStatusCode.Created);

            var values = new Dictionary<string, string>
            {
                ["tenant"] = "alpha",
                ["name"] = "alpha.test",
                ["keyId"] = alpha.GetProperty("keyId").GetString()!,
                ["queue"] = "inbound",
                ["id"] = "no-such-message",
                ["granted"] = "a@alpha.test",
            };
            var routes = HttpRouteTable.All.Where(r => ProvisioningOperations.Find(r.FunctionName)?.Access is not null).ToList();
            Assert.True(routes.Count >= 21, $"only {routes.Count} authenticated routes found");
            foreach (var route in routes)
            {
                values["address"] = route.Route.Contains("aliases", StringComparison.Ordinal) ? "a@alpha.test" : "m@alpha.test";
                var path = Fill(route.Route, values);
                var body = ValidBody(route.FunctionName);
                foreach (var verb in route.Verbs)
                {
                    var expected = route.Route.Contains("{tenant}", StringComparison.Ordinal) ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden;
                    var problem = await Call(http, verb.ToUpperInvariant(), path, betaKey, body, expected, $"{route.FunctionName} with another tenant's key");
                    Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
                    Assert.DoesNotContain("alpha.test", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
                    await Call(http, verb.ToUpperInvariant(), path, null, body, HttpStatusCode.Unauthorized, $"{route.FunctionName} without a key");
                    await Call(http, verb.ToUpperInvariant(), path, "smk_0123456789abcdef_forged", body, HttpStatusCode.Unauthorized, $"{route.FunctionName} with a forged key");
                }
            }

            // Nothing of alpha's was touched.
            await Call(http, "GET", "tenants/alpha/domains/alpha.test", alphaKey, null, HttpStatusCode.OK);
            await Call(http, "GET", "tenants/alpha/mailboxes/m@alpha.test", AdminKey, null, HttpStatusCode.OK);
            await Call(http, "GET", "tenants/alpha/aliases/a@alpha.test", AdminKey, null, HttpStatusCode.OK);
            var keys = await Call(http, "GET", "tenants/alpha/keys", alphaKey, null, HttpStatusCode.OK);
            Assert.Equal(1, keys.GetProperty("items").GetArrayLength());

            // The OpenAPI document, without a key, lists every route the host serves, and is valid OpenAPI.
            using var response = await http.GetAsync(new Uri("openapi.json", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var (document, diagnostic) = OpenApiDocument.Parse(text, "json");
            Assert.NotNull(document);
            Assert.True(diagnostic!.Errors.Count == 0, string.Join("; ", diagnostic.Errors.Select(e => e.Message)));
            Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
            var validation = document.Validate(Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
            Assert.True(validation.Count == 0, string.Join("; ", validation.Select(e => e.Message)));
            var json = JsonDocument.Parse(text).RootElement;
            foreach (var route in HttpRouteTable.All)
            {
                foreach (var verb in route.Verbs)
                {
                    var op = json.GetProperty("paths").GetProperty("/" + route.Route).GetProperty(verb.ToLowerInvariant());
                    Assert.Equal(route.FunctionName, op.GetProperty("operationId").GetString());
                }
            }
            Assert.Equal(HttpRouteTable.All.Sum(r => r.Verbs.Count), json.GetProperty("paths").EnumerateObject().Sum(p => p.Value.EnumerateObject().Count()));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static string Fill(string route, Dictionary<string, string> values)
    {
        foreach (var (k, v) in values)
        {
            route = route.Replace("{" + k + "}", Uri.EscapeDataString(v), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("{", route, StringComparison.Ordinal);
        return route;
    }

    /// <summary>A body that would be accepted, so only the key can be the reason for a refusal.</summary>
    private static object? ValidBody(string function) => function switch
    {
        "CreateTenant" => new { id = "gamma" },
        "CreateDomain" => new { name = "beta-owned.test" },
        "CreateMailbox" => new { address = "x@alpha.test", password = "some long password" },
        "UpdateMailbox" => new { enabled = false },
        "SetMailboxPassword" => new { password = "some long password" },
        "CreateAlias" => new { address = "y@alpha.test", targets = new List<string> { "m@alpha.test" } },
        "GrantSendAs" => new { address = "a@alpha.test" },
        _ => null,
    };

    private static async Task<JsonElement> Call(HttpClient http, string method, string path, string? key, object? body, HttpStatusCode expected, string? what = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{what ?? method + " " + path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        if ((int)expected >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

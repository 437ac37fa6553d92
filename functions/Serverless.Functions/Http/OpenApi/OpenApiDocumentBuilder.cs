using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Serverless.Functions.Http.Api;

namespace Serverless.Functions.Http.OpenApi;

/// <summary>
/// Writes the OpenAPI 3.1 document of the function app. Paths and verbs come from the functions'
/// own trigger attributes (the same ones the Functions host and the dev host route by), bodies and
/// statuses from <see cref="ProvisioningOperations"/> and the request/response schemas the API
/// validates with — so the document cannot describe a route that does not exist or miss one.
/// </summary>
public static partial class OpenApiDocumentBuilder
{
    private static readonly Dictionary<string, string> ParameterDescriptions = new(StringComparer.Ordinal)
    {
        ["tenant"] = "Tenant id.",
        ["name"] = "Domain name (Unicode or punycode).",
        ["address"] = "The address; for aliases '@domain' names the catch-all. Percent-encode non-ASCII characters.",
        ["keyId"] = "Key id (16 hex digits).",
    };

    /// <summary>Builds the document; throws if a route has no <see cref="ApiOperation"/>.</summary>
    public static JsonObject Build(IEnumerable<HttpRoute> routes, string version = "1.0")
    {
        ArgumentNullException.ThrowIfNull(routes);
        var paths = new JsonObject();
        var schemas = new SortedDictionary<string, ApiSchema>(StringComparer.Ordinal);
        foreach (var route in routes.OrderBy(r => r.Route, StringComparer.Ordinal))
        {
            var op = ProvisioningOperations.Find(route.FunctionName)
                ?? throw new InvalidOperationException($"HTTP function '{route.FunctionName}' has no entry in ProvisioningOperations; document it there.");
            var path = "/" + route.Route.TrimStart('/');
            var item = paths[path] as JsonObject ?? new JsonObject();
            paths[path] = item;
            foreach (var verb in route.Verbs)
            {
                item[verb.ToLowerInvariant()] = Operation(route, op, schemas);
            }
        }
        schemas[ProvisioningSchemas.Problem.Name] = ProvisioningSchemas.Problem;
        foreach (var s in schemas.Values.ToList().SelectMany(s => s.Referenced()))
        {
            schemas[s.Name] = s;
        }
        var components = new JsonObject();
        foreach (var (name, schema) in schemas)
        {
            components[name] = schema.ToJsonSchema();
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Serverless Mail provisioning API",
                ["version"] = version,
                ["description"] = "Tenants, domains (with DNS records and DKIM keys), mailboxes and aliases. " +
                    "Authenticate with 'Authorization: Bearer <key>': the admin key reaches everything, a tenant key only its own tenant " +
                    "(other tenants' resources answer 404). Errors are RFC 9457 problem details.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/api" }),
            ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = components,
                ["securitySchemes"] = new JsonObject
                {
                    ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["description"] = "The admin key (Mail:AdminApiKey) or a tenant key (smk_…)." },
                },
            },
        };
    }

    private static JsonObject Operation(HttpRoute route, ApiOperation op, SortedDictionary<string, ApiSchema> schemas)
    {
        var o = new JsonObject
        {
            ["operationId"] = op.FunctionName,
            ["tags"] = new JsonArray(op.Tag),
            ["summary"] = op.Summary,
        };
        if (op.Description is not null)
        {
            o["description"] = op.Description;
        }
        var parameters = new JsonArray();
        foreach (Match m in RouteParameter().Matches(route.Route))
        {
            var name = m.Groups[1].Value;
            parameters.Add(new JsonObject
            {
                ["name"] = name,
                ["in"] = "path",
                ["required"] = true,
                ["description"] = ParameterDescriptions.GetValueOrDefault(name, name),
                ["schema"] = new JsonObject { ["type"] = "string" },
            });
        }
        foreach (var q in op.Query)
        {
            parameters.Add(new JsonObject
            {
                ["name"] = q.Name,
                ["in"] = "query",
                ["required"] = false,
                ["description"] = q.Description,
                ["schema"] = new JsonObject { ["type"] = q.Type == ApiType.Integer ? "integer" : q.Type == ApiType.Boolean ? "boolean" : "string" },
            });
        }
        if (parameters.Count > 0)
        {
            o["parameters"] = parameters;
        }
        if (op.Request is { } request)
        {
            schemas[request.Name] = request;
            o["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(request) } },
            };
            foreach (var type in op.FileRequestTypes)
            {
                ((JsonObject)o["requestBody"]!["content"]!)[type] = Binary();
            }
        }
        if (op.PlainTextRequest)
        {
            o["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["text/plain"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } },
            };
        }
        if (op.Access is null)
        {
            o["security"] = new JsonArray();
        }
        var responses = new JsonObject();
        foreach (var r in AllResponses(route, op).OrderBy(r => r.Status))
        {
            var response = new JsonObject { ["description"] = r.Description };
            if (r.Schema is { } schema)
            {
                schemas[schema.Name] = schema;
                var mediaType = schema == ProvisioningSchemas.Problem ? "application/problem+json" : "application/json";
                response["content"] = new JsonObject { [mediaType] = new JsonObject { ["schema"] = Ref(schema) } };
            }
            else if (op.FileResponseTypes.Count > 0 && r.Status == 200)
            {
                var content = new JsonObject();
                foreach (var type in op.FileResponseTypes)
                {
                    content[type] = Binary();
                }
                response["content"] = content;
            }
            else if (op.PlainTextResponse && r.Status == 200)
            {
                response["content"] = new JsonObject { ["text/plain"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } };
            }
            else if (op.FunctionName == "OpenApi")
            {
                response["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } } };
            }
            if (r.Status == 429)
            {
                response["headers"] = new JsonObject { ["Retry-After"] = new JsonObject { ["description"] = "Seconds to wait.", ["schema"] = new JsonObject { ["type"] = "integer" } } };
            }
            responses[r.Status.ToString(CultureInfo.InvariantCulture)] = response;
        }
        o["responses"] = responses;
        return o;
    }

    /// <summary>The operation's own statuses plus the ones every route of its kind can answer.</summary>
    private static List<ApiResponse> AllResponses(HttpRoute route, ApiOperation op)
    {
        var list = new List<ApiResponse>(op.Responses);
        void Add(int status, string description)
        {
            if (list.All(r => r.Status != status))
            {
                list.Add(new ApiResponse(status, description, ProvisioningSchemas.Problem));
            }
        }
        if (op.Access is not null)
        {
            Add(401, "No key, or not a valid one.");
            Add(429, "Too many failed authentications from this client address.");
            Add(503, "Storage is not answering; retry.");
        }
        if (op.Request is not null || op.PlainTextRequest || op.Query.Count > 0)
        {
            Add(400, "A field is wrong; the problem names it.");
        }
        if (op.Request is not null || op.PlainTextRequest)
        {
            Add(413, "The body is too large.");
            Add(415, op.PlainTextRequest ? "The body is not text/plain." : "The body is not JSON.");
        }
        if (route.Route.Contains('{', StringComparison.Ordinal))
        {
            Add(404, "Not found, or it belongs to another tenant.");
        }
        return list;
    }

    private static JsonObject Binary() => new() { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } };

    private static JsonObject Ref(ApiSchema schema) => new() { ["$ref"] = "#/components/schemas/" + schema.Name };

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)(?::[^}]*)?\}")]
    private static partial Regex RouteParameter();
}

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Serverless.Infra.Tests.Infrastructure;

/// <summary>
/// Read-only walk over a compiled ARM template: its resources (array form, or the symbolic-name
/// object form of languageVersion 2.0), nested module templates, parameters and outputs. ARM
/// expressions stay strings; tests look at literals and at what an expression refers to.
/// </summary>
public sealed partial class ArmTemplate(JsonObject root)
{
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public JsonObject Root { get; } = root;

    /// <summary>JSON text of a node with quotes left as they are, so expressions read as written.</summary>
    public static string Text(JsonNode? node) => node?.ToJsonString(Unescaped) ?? "";

    public JsonObject Parameters => Root["parameters"] as JsonObject ?? [];

    public JsonObject Outputs => Root["outputs"] as JsonObject ?? [];

    public JsonObject Variables => Root["variables"] as JsonObject ?? [];

    /// <summary>Resources with their symbolic names (array-form templates get their index as name).</summary>
    public IEnumerable<(string Symbol, JsonObject Resource)> Resources()
    {
        switch (Root["resources"])
        {
            case JsonObject byName:
                foreach (var (name, node) in byName)
                {
                    yield return (name, (JsonObject)node!);
                }
                break;
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    yield return (i.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonObject)list[i]!);
                }
                break;
        }
    }

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources().Select(r => r.Resource).Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Symbol(string symbol) => Resources().Single(r => r.Symbol == symbol).Resource;

    /// <summary>The deployment (module) resource named <paramref name="name"/>.</summary>
    public JsonObject ModuleDeployment(string name) =>
        OfType("Microsoft.Resources/deployments").Single(d => (string?)d["name"] == name);

    public ArmTemplate Module(string name) => new((JsonObject)ModuleDeployment(name)["properties"]!["template"]!);

    /// <summary>The value a module is given for one of its parameters (an expression string or a literal).</summary>
    public JsonNode? ModuleParameter(string module, string parameter) =>
        ModuleDeployment(module)["properties"]!["parameters"]![parameter]?["value"];

    /// <summary>This template and every template nested in it, with a path for messages.</summary>
    public IEnumerable<(string Path, ArmTemplate Template)> AllTemplates(string path = "main")
    {
        yield return (path, this);
        foreach (var deployment in OfType("Microsoft.Resources/deployments"))
        {
            if (deployment["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in new ArmTemplate(nested).AllTemplates($"{path}/{deployment["name"]}"))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>
    /// The resource type an expression such as
    /// <c>[reference(resourceId('Microsoft.Insights/components', parameters('x')), '...').ConnectionString]</c>
    /// (or the symbolic form <c>[reference('identity').clientId]</c>) reads from.
    /// </summary>
    public string? ReferencedType(string expression)
    {
        var byId = ReferenceByIdPattern().Match(expression);
        if (byId.Success)
        {
            return byId.Groups[1].Value;
        }
        var bySymbol = ReferencePattern().Match(expression);
        return bySymbol.Success ? (string?)Symbol(bySymbol.Groups[1].Value)["type"] : null;
    }

    /// <summary>The parameter naming the resource an expression reads from (<c>parameters('x')</c> → x).</summary>
    public static string? ReferencedNameParameter(string expression)
    {
        var match = ReferenceByIdPattern().Match(expression);
        return match.Success ? match.Groups[2].Value : null;
    }

    [GeneratedRegex(@"^\[reference\(resourceId\('([^']+)', parameters\('([A-Za-z0-9_]+)'\)\)")]
    private static partial Regex ReferenceByIdPattern();

    [GeneratedRegex(@"^\[reference\('([A-Za-z0-9_]+)'\)")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"^\[parameters\('([A-Za-z0-9_]+)'\)\]$")]
    internal static partial Regex ParameterPattern();
}

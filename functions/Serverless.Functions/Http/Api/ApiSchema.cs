using System.Text.Json;
using System.Text.Json.Nodes;
using Serverless.Mail.Provisioning;

namespace Serverless.Functions.Http.Api;

public enum ApiType
{
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

/// <summary>One member of a JSON object in a request or response.</summary>
public sealed record ApiField(string Name, ApiType Type, string Description)
{
    public bool Required { get; init; }

    /// <summary>The value may be JSON null.</summary>
    public bool Nullable { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public long? Minimum { get; init; }

    public int? MinItems { get; init; }

    public int? MaxItems { get; init; }

    /// <summary>JSON Schema format, for documentation (<c>date-time</c>, <c>idn-email</c>…).</summary>
    public string? Format { get; init; }

    /// <summary>Regular expression the value matches (documentation; the API checks it in code).</summary>
    public string? Pattern { get; init; }

    /// <summary>The object's schema (Object) or the items' schema (Array of objects).</summary>
    public ApiSchema? Schema { get; init; }

    /// <summary>The items' type for an Array of scalars.</summary>
    public ApiType ItemType { get; init; } = ApiType.String;
}

/// <summary>
/// A JSON object shape, declared once and used twice: to check request bodies strictly (unknown,
/// missing, duplicate and mistyped members are refused, naming the field) and to write the OpenAPI
/// schema, so the documentation is the validation.
/// </summary>
public sealed record ApiSchema(string Name, string Description, IReadOnlyList<ApiField> Fields)
{
    /// <summary>Checks an element against this shape; returns every problem found (empty when valid).</summary>
    public IReadOnlyList<FieldError> Validate(JsonElement element) => Validate(element, "");

    private List<FieldError> Validate(JsonElement element, string prefix)
    {
        var errors = new List<FieldError>();
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(prefix.Length == 0 ? "body" : prefix.TrimEnd('.'), "must be a JSON object."));
            return errors;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            var field = Fields.FirstOrDefault(f => f.Name == member.Name);
            if (field is null)
            {
                errors.Add(new FieldError(prefix + member.Name, "is not a known field."));
                continue;
            }
            if (!seen.Add(member.Name))
            {
                errors.Add(new FieldError(prefix + member.Name, "appears more than once."));
                continue;
            }
            CheckValue(field, member.Value, prefix + member.Name, errors);
        }
        foreach (var f in Fields.Where(f => f.Required && !seen.Contains(f.Name)))
        {
            errors.Add(new FieldError(prefix + f.Name, "is required."));
        }
        return errors;
    }

    private static void CheckValue(ApiField field, JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!field.Nullable)
            {
                errors.Add(new FieldError(path, "must not be null."));
            }
            return;
        }
        switch (field.Type)
        {
            case ApiType.String:
                CheckString(field, value, path, errors);
                break;
            case ApiType.Integer:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n))
                {
                    errors.Add(new FieldError(path, "must be an integer."));
                }
                else if (field.Minimum is { } min && n < min)
                {
                    errors.Add(new FieldError(path, $"must be at least {min}."));
                }
                break;
            case ApiType.Number:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var d) || !double.IsFinite(d))
                {
                    errors.Add(new FieldError(path, "must be a number."));
                }
                else if (field.Minimum is { } least && d < least)
                {
                    errors.Add(new FieldError(path, $"must be at least {least}."));
                }
                break;
            case ApiType.Boolean:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(new FieldError(path, "must be true or false."));
                }
                break;
            case ApiType.Object:
                errors.AddRange(field.Schema!.Validate(value, path + "."));
                break;
            case ApiType.Array:
                CheckArray(field, value, path, errors);
                break;
        }
    }

    private static void CheckString(ApiField field, JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(path, "must be a string."));
            return;
        }
        var s = value.GetString()!;
        if (field.MinLength is { } min && s.Length < min)
        {
            errors.Add(new FieldError(path, min == 1 ? "must not be empty." : $"must be at least {min} characters long."));
        }
        else if (field.MaxLength is { } max && s.Length > max)
        {
            errors.Add(new FieldError(path, $"must be at most {max} characters long."));
        }
    }

    private static void CheckArray(ApiField field, JsonElement value, string path, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(path, "must be an array."));
            return;
        }
        var count = value.GetArrayLength();
        if (field.MinItems is { } min && count < min)
        {
            errors.Add(new FieldError(path, $"must have at least {min} item{(min == 1 ? "" : "s")}."));
        }
        if (field.MaxItems is { } max && count > max)
        {
            errors.Add(new FieldError(path, $"must have at most {max} items."));
        }
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemField = field.Schema is { } s
                ? new ApiField("", ApiType.Object, "") { Schema = s }
                : new ApiField("", field.ItemType, "");
            CheckValue(itemField, item, $"{path}.{i}", errors);
            i++;
        }
    }

    /// <summary>The JSON Schema (OpenAPI 3.1) of this object.</summary>
    public JsonObject ToJsonSchema()
    {
        var properties = new JsonObject();
        foreach (var f in Fields)
        {
            properties[f.Name] = FieldSchema(f);
        }
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["description"] = Description,
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        var required = Fields.Where(f => f.Required).Select(f => (JsonNode)f.Name).ToArray();
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required);
        }
        return schema;
    }

    private static JsonObject FieldSchema(ApiField f)
    {
        JsonObject s;
        if (f.Type == ApiType.Object)
        {
            s = new JsonObject { ["$ref"] = "#/components/schemas/" + f.Schema!.Name };
            return f.Nullable ? new JsonObject { ["oneOf"] = new JsonArray(s, new JsonObject { ["type"] = "null" }), ["description"] = f.Description } : s;
        }
        s = new JsonObject { ["type"] = f.Nullable ? new JsonArray(TypeName(f.Type), "null") : TypeName(f.Type) };
        if (f.Description.Length > 0)
        {
            s["description"] = f.Description;
        }
        if (f.Format is not null)
        {
            s["format"] = f.Format;
        }
        if (f.Pattern is not null)
        {
            s["pattern"] = f.Pattern;
        }
        if (f.MinLength is { } minLength)
        {
            s["minLength"] = minLength;
        }
        if (f.MaxLength is { } maxLength)
        {
            s["maxLength"] = maxLength;
        }
        if (f.Minimum is { } minimum)
        {
            s["minimum"] = minimum;
        }
        if (f.Type == ApiType.Array)
        {
            s["items"] = f.Schema is { } items ? new JsonObject { ["$ref"] = "#/components/schemas/" + items.Name } : new JsonObject { ["type"] = TypeName(f.ItemType) };
            if (f.MinItems is { } minItems)
            {
                s["minItems"] = minItems;
            }
            if (f.MaxItems is { } maxItems)
            {
                s["maxItems"] = maxItems;
            }
        }
        return s;
    }

    private static string TypeName(ApiType t) => t switch
    {
        ApiType.String => "string",
        ApiType.Integer => "integer",
        ApiType.Number => "number",
        ApiType.Boolean => "boolean",
        ApiType.Array => "array",
        _ => "object",
    };

    /// <summary>Schemas this one refers to (nested objects and arrays of objects), depth first.</summary>
    public IEnumerable<ApiSchema> Referenced()
    {
        foreach (var f in Fields)
        {
            if (f.Schema is { } s)
            {
                yield return s;
                foreach (var inner in s.Referenced())
                {
                    yield return inner;
                }
            }
        }
    }
}

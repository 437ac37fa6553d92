using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Serverless.Functions.Http.Api;

/// <summary>
/// A request's JSON body, read with a size bound and checked against its <see cref="ApiSchema"/>
/// before any handler sees it. Getters are only for fields the schema declares.
/// </summary>
public sealed class RequestBody
{
    /// <summary>Every body of this API is small; a bigger one is refused with 413 before parsing.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 8 };
    private readonly JsonElement _root;

    private RequestBody(JsonElement root) => _root = root;

    /// <summary>Reads and validates the body; throws <see cref="ApiProblemException"/> (400/413/415) when it is not acceptable.</summary>
    public static async Task<RequestBody> ReadAsync(HttpRequest request, ApiSchema schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(schema);
        if (!IsJson(request.ContentType))
        {
            throw new ApiProblemException(ApiProblem.Status(StatusCodes.Status415UnsupportedMediaType,
                "The body must be JSON: send 'Content-Type: application/json'."));
        }
        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }
        var bytes = await ReadBoundedAsync(request.Body, cancellationToken).ConfigureAwait(false);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, ParseOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            throw new ApiProblemException(ApiProblem.Invalid("body", "is not valid JSON" + where + "."));
        }
        using (document)
        {
            var errors = schema.Validate(document.RootElement);
            if (errors.Count > 0)
            {
                throw new ApiProblemException(ApiProblem.Invalid(errors));
            }
            return new RequestBody(document.RootElement.Clone());
        }
    }

    /// <summary>A <c>text/plain</c> body (a Sieve script) as strict UTF-8; 400 naming <paramref name="field"/> when it is not UTF-8, 413/415 as for JSON.</summary>
    public static async Task<string> ReadTextAsync(HttpRequest request, string field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mediaType = request.ContentType?.Split(';', 2)[0].Trim();
        if (!string.Equals(mediaType, "text/plain", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiProblemException(ApiProblem.Status(StatusCodes.Status415UnsupportedMediaType,
                "The body must be plain text: send 'Content-Type: text/plain; charset=utf-8'."));
        }
        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }
        var bytes = await ReadBoundedAsync(request.Body, cancellationToken).ConfigureAwait(false);
        try
        {
            return new System.Text.UTF8Encoding(false, true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new ApiProblemException(ApiProblem.Invalid(field, "is not valid UTF-8."));
        }
    }

    public bool Has(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null;

    public string? GetString(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public long? GetInt64(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    public double? GetDouble(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public bool? GetBoolean(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    public IReadOnlyList<string> GetStrings(string field) =>
        _root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetString()!).ToList() : [];

    /// <summary>The objects of an array field (already checked against the schema).</summary>
    public IReadOnlyList<JsonElement> GetObjects(string field) =>
        _root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : [];

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxBytes)
            {
                throw TooLarge();
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static ApiProblemException TooLarge() =>
        new(ApiProblem.Status(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBytes} bytes."));
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.Functions.Http.Api;

/// <summary>
/// A response of the provisioning API: status, headers and an optional JSON body. Written the same
/// way by the Functions worker and the dev host (it is an <see cref="IActionResult"/>).
/// </summary>
public sealed class ApiResult : IActionResult
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private ApiResult(int statusCode, object? body, string contentType)
    {
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
    }

    public int StatusCode { get; }

    /// <summary>The body before serialisation (a record, or a <see cref="System.Text.Json.Nodes.JsonObject"/> for problems).</summary>
    public object? Body { get; }

    public string ContentType { get; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static ApiResult Ok(object body) => new(StatusCodes.Status200OK, body, "application/json; charset=utf-8");

    public static ApiResult Created(string location, object body)
    {
        var r = new ApiResult(StatusCodes.Status201Created, body, "application/json; charset=utf-8");
        r.Headers["Location"] = location;
        return r;
    }

    /// <summary>A plain-text body (a Sieve script), sent as UTF-8.</summary>
    public static ApiResult Text(string body) => new(StatusCodes.Status200OK, body, "text/plain; charset=utf-8");

    public static ApiResult NoContent() => new(StatusCodes.Status204NoContent, null, "");

    /// <summary>The request was taken; part of the work goes on in the background.</summary>
    public static ApiResult Accepted(object body) => new(StatusCodes.Status202Accepted, body, "application/json; charset=utf-8");

    /// <summary>A body that is not JSON (client configuration documents, profiles), sent as it is.</summary>
    public static ApiResult Bytes(int status, byte[] body, string contentType) => new(status, body, contentType);

    /// <summary>
    /// A file written straight to the response as it is produced (an export): nothing is buffered,
    /// so the status is sent before the first byte; a failure later can only cut the download short.
    /// </summary>
    public static ApiResult Stream(string contentType, string fileName, Func<Stream, CancellationToken, Task> write)
    {
        var r = new ApiResult(StatusCodes.Status200OK, new StreamedBody(write), contentType);
        r.Headers["Content-Disposition"] = new System.Net.Mime.ContentDisposition { DispositionType = "attachment", FileName = fileName }.ToString();
        return r;
    }

    private sealed record StreamedBody(Func<Stream, CancellationToken, Task> Write);

    internal static ApiResult Problem(int status, System.Text.Json.Nodes.JsonObject problem) => new(status, problem, "application/problem+json");

    public ApiResult WithHeader(string name, string value)
    {
        Headers[name] = value;
        return this;
    }

    /// <summary>The body as UTF-8 JSON bytes (empty when there is none).</summary>
    public byte[] SerializeBody() => Body switch
    {
        null => [],
        byte[] raw => raw,
        StreamedBody => throw new InvalidOperationException("A streamed body is written by ExecuteResultAsync only."),
        string text when ContentType.StartsWith("text/plain", StringComparison.Ordinal) => System.Text.Encoding.UTF8.GetBytes(text),
        _ => JsonSerializer.SerializeToUtf8Bytes(Body, Body.GetType(), Json),
    };

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCode;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }
        response.Headers.CacheControl = "no-store";
        if (Body is null)
        {
            return;
        }
        if (Body is StreamedBody streamed)
        {
            response.ContentType = ContentType;
            await streamed.Write(response.Body, context.HttpContext.RequestAborted).ConfigureAwait(false);
            return;
        }
        var bytes = SerializeBody();
        response.ContentType = ContentType;
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}

using System.Net;
using System.Text.Json;

namespace Serverless.Cli.Api;

/// <summary>
/// The API answered with an error. <see cref="Message"/> is one line: the status, and the problem
/// details' <c>detail</c> with every wrong field (RFC 9457), or the start of a body that is not a problem.
/// </summary>
public sealed class MailApiException : Exception
{
    public MailApiException(HttpStatusCode status, string message) : base(message) => Status = status;

    public HttpStatusCode Status { get; }

    /// <summary>4xx: the request was refused (bad input, wrong key, not found, conflict); 5xx: the service failed.</summary>
    public bool IsRefusal => (int)Status is >= 400 and < 500;

    public static MailApiException From(HttpStatusCode status, string? reason, string body)
    {
        var head = $"{(int)status} {reason ?? status.ToString()}";
        return new MailApiException(status, head + ": " + Describe(body));
    }

    private static string Describe(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                var text = detail.GetString()!;
                // A 400 names its first wrong field in detail; the others only in errors[].
                if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 1)
                {
                    text = string.Join("; ", errors.EnumerateArray().Select(e => $"{Text(e, "field")}: {Text(e, "detail")}"));
                }
                return OneLine(text);
            }
        }
        catch (JsonException)
        {
            // not a problem document: the body itself, shortened
        }
        var plain = OneLine(body);
        return plain.Length == 0 ? "(no details)" : plain.Length > 200 ? plain[..200] + "…" : plain;
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

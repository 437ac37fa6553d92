using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Serverless.Mail.Provisioning;

namespace Serverless.Functions.Http.Api;

/// <summary>
/// RFC 9457 problem details (<c>application/problem+json</c>). Validation problems name the field
/// in <c>errors[].field</c> and as a JSON pointer (<c>errors[].pointer</c>), as the RFC's example does.
/// </summary>
public static class ApiProblem
{
    public static ApiResult Status(int status, string detail)
    {
        var body = new JsonObject
        {
            ["type"] = "about:blank",
            ["title"] = ReasonPhrases.GetReasonPhrase(status),
            ["status"] = status,
            ["detail"] = detail,
        };
        return ApiResult.Problem(status, body);
    }

    /// <summary>400: one or more fields are wrong. The first one is named in <c>detail</c> too.</summary>
    public static ApiResult Invalid(IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A validation problem needs at least one error.", nameof(errors));
        }
        var list = new JsonArray();
        foreach (var e in errors)
        {
            list.Add(new JsonObject { ["field"] = e.Field, ["pointer"] = "#/" + e.Field.Replace(".", "/", StringComparison.Ordinal), ["detail"] = e.Detail });
        }
        var body = new JsonObject
        {
            ["type"] = "about:blank",
            ["title"] = "Bad Request",
            ["status"] = 400,
            ["detail"] = $"{errors[0].Field}: {errors[0].Detail}",
            ["errors"] = list,
        };
        return ApiResult.Problem(StatusCodes.Status400BadRequest, body);
    }

    public static ApiResult Invalid(string field, string detail) => Invalid([new FieldError(field, detail)]);

    public static ApiResult Unauthorized(string detail) =>
        Status(StatusCodes.Status401Unauthorized, detail).WithHeader("WWW-Authenticate", "Bearer realm=\"serverless-mail\"");

    public static ApiResult Forbidden(string detail) => Status(StatusCodes.Status403Forbidden, detail);

    public static ApiResult NotFound(string detail) => Status(StatusCodes.Status404NotFound, detail);

    public static ApiResult Conflict(string detail) => Status(StatusCodes.Status409Conflict, detail);

    /// <summary>A refusal from core as the problem it is over HTTP: 400 naming the fields, 404 or 409.</summary>
    public static ApiResult From(ProvisioningError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Kind switch
        {
            ProvisioningErrorKind.Invalid => Invalid(error.Fields),
            ProvisioningErrorKind.NotFound => NotFound(error.Detail),
            ProvisioningErrorKind.Conflict => Conflict(error.Detail),
            _ => throw new ArgumentOutOfRangeException(nameof(error), error.Kind, "Unknown kind of provisioning error."),
        };
    }

    public static ApiResult TooManyRequests(TimeSpan retryAfter) =>
        Status(StatusCodes.Status429TooManyRequests, "Too many failed authentications from this address; try again later.")
            .WithHeader("Retry-After", Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>Ends a request with a problem response; the API gate turns it into the response.</summary>
public sealed class ApiProblemException(ApiResult problem) : Exception(problem?.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
{
    public ApiResult Problem { get; } = problem ?? throw new ArgumentNullException(nameof(problem));
}

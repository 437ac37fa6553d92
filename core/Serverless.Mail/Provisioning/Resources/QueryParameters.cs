using System.Globalization;
using Microsoft.AspNetCore.Http;
using Serverless.Mail.Provisioning.Api;

namespace Serverless.Mail.Provisioning.Resources;

/// <summary>Query-string parameters, checked as strictly as bodies: a bad value is a 400 naming it.</summary>
internal static class QueryParameters
{
    public static bool Flag(HttpRequest request, string name)
    {
        var raw = request.Query[name].ToString();
        return raw switch
        {
            "" => false,
            "true" => true,
            "false" => false,
            _ => throw new ApiProblemException(ApiProblem.Invalid(name, "must be true or false.")),
        };
    }

    public static int Limit(HttpRequest request, int defaultValue = 100, int max = 1000)
    {
        var raw = request.Query["limit"].ToString();
        if (raw.Length == 0)
        {
            return defaultValue;
        }
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > max)
        {
            throw new ApiProblemException(ApiProblem.Invalid("limit", $"must be an integer from 1 to {max}."));
        }
        return n;
    }

    public static string? Text(HttpRequest request, string name)
    {
        var raw = request.Query[name].ToString();
        return raw.Length == 0 ? null : raw;
    }
}

using System.Globalization;
using Microsoft.AspNetCore.Http;
using Serverless.Mail.Provisioning.Requests;

namespace Serverless.Functions.Http.Api;

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

    /// <summary>The paging of mailbox and alias lists: ?limit= (1–1000), ?continuationToken=, ?domain=.</summary>
    public static AddressPage AddressPage(HttpRequest request) =>
        new(Limit(request), Text(request, "continuationToken"), Text(request, "domain"));
}

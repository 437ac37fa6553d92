using System.ComponentModel;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace Serverless.DevHost;

/// <summary>
/// Serves HTTP-triggered function classes under host.json's <c>extensions.http.routePrefix</c>
/// (the Functions default "api" when absent; the app sets "" and spells out "api/" in its API
/// routes), binding parameters as the worker's ASP.NET Core integration does.
/// </summary>
internal static class HttpFunctionRoutes
{
    public static void Map(WebApplication app, FunctionCatalog catalog, string routePrefix)
    {
        var prefix = "/" + (routePrefix.Trim('/').Length == 0 ? "" : routePrefix.Trim('/') + "/");
        foreach (var f in catalog.Http)
        {
            var pattern = prefix + StripConstraints(f.Route.TrimStart('/'));
            var verbs = f.Verbs.Select(v => v.ToUpperInvariant()).ToArray();
            app.MapMethods(pattern, verbs, async context =>
            {
                var args = f.Method.GetParameters().Select(p => Bind(p, context)).ToArray();
                var result = await FunctionInvoker.InvokeAsync(context.RequestServices, f.Type, f.Method, args).ConfigureAwait(false);
                if (result is IActionResult action)
                {
                    await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor())).ConfigureAwait(false);
                }
                else if (result is IResult minimal)
                {
                    await minimal.ExecuteAsync(context).ConfigureAwait(false);
                }
            }).WithDisplayName(f.Name);
        }
    }

    private static object? Bind(System.Reflection.ParameterInfo p, HttpContext context)
    {
        if (p.ParameterType == typeof(HttpRequest))
        {
            return context.Request;
        }
        if (p.ParameterType == typeof(HttpContext))
        {
            return context;
        }
        if (p.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }
        if (context.Request.RouteValues.TryGetValue(p.Name!, out var raw) && raw is not null)
        {
            var converter = TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType);
            return converter.ConvertFromInvariantString(raw.ToString()!);
        }
        return p.HasDefaultValue ? p.DefaultValue : null;
    }

    /// <summary>Functions routes use the same template syntax as ASP.NET Core; keep constraints as they are.</summary>
    private static string StripConstraints(string route) => route;

    /// <summary>host.json's <c>extensions.http.routePrefix</c>; "api" (the Functions default) when it says nothing.</summary>
    public static string ReadRoutePrefix(string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
        {
            return "api";
        }
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(hostJsonPath),
            new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return doc.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix) ? prefix.GetString() ?? "" : "api";
    }
}

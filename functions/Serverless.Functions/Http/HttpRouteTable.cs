using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.OpenApi;

namespace Serverless.Functions.Http;

/// <summary>
/// The HTTP functions of this app, read from their <c>[Function]</c> and <c>[HttpTrigger]</c>
/// attributes — the same attributes the Functions host and the dev host route by. host.json sets
/// <c>routePrefix</c> to "" so the client-setup paths (autoconfig, Autodiscover, MTA-STS) can sit
/// at the root where mail clients look for them; every API route therefore spells out its
/// <c>api/</c> prefix, and <see cref="All"/> lists those (relative to /api, as the OpenAPI document
/// has them), <see cref="Root"/> the others.
/// </summary>
public static class HttpRouteTable
{
    public const string ApiPrefix = "api/";

    private static readonly Lazy<IReadOnlyList<HttpRoute>> Declared = new(() => ReadDeclared(typeof(HttpRouteTable).Assembly));

    /// <summary>The API routes, relative to /api.</summary>
    public static IReadOnlyList<HttpRoute> All => [.. Declared.Value.Where(r => IsApi(r.Route)).Select(r => r with { Route = r.Route[ApiPrefix.Length..] })];

    /// <summary>The routes served at the root (client setup), as declared.</summary>
    public static IReadOnlyList<HttpRoute> Root => [.. Declared.Value.Where(r => !IsApi(r.Route))];

    /// <summary>The API routes of an assembly, relative to /api.</summary>
    public static IReadOnlyList<HttpRoute> Read(Assembly assembly) =>
        [.. ReadDeclared(assembly).Where(r => IsApi(r.Route)).Select(r => r with { Route = r.Route[ApiPrefix.Length..] })];

    private static bool IsApi(string route) => route.StartsWith(ApiPrefix, StringComparison.OrdinalIgnoreCase);

    private static List<HttpRoute> ReadDeclared(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var list = new List<HttpRoute>();
        foreach (var method in assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }
            foreach (var p in method.GetParameters())
            {
                if (p.GetCustomAttribute<HttpTriggerAttribute>() is { } trigger)
                {
                    list.Add(new HttpRoute(function.Name, trigger.Methods ?? ["get"], trigger.Route ?? function.Name));
                }
            }
        }
        return list;
    }
}

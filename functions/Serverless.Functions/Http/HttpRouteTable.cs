using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http.OpenApi;

namespace Serverless.Functions.Http;

/// <summary>
/// The HTTP functions of this app, read from their <c>[Function]</c> and <c>[HttpTrigger]</c>
/// attributes — the same attributes the Functions host and the dev host route by.
/// </summary>
public static class HttpRouteTable
{
    private static readonly Lazy<IReadOnlyList<HttpRoute>> Routes = new(() => Read(typeof(HttpRouteTable).Assembly));

    public static IReadOnlyList<HttpRoute> All => Routes.Value;

    public static IReadOnlyList<HttpRoute> Read(Assembly assembly)
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

using System.Text.Json.Nodes;
using Serverless.Cli.Api;

namespace Serverless.Cli.Commands;

/// <summary>
/// A paged listing read to its end. Its JSON is the API's own page shape holding every item as the
/// API sent it (<c>{"items":[…],"continuationToken":null}</c>), so <c>--json</c> needs no paging by the caller.
/// </summary>
public static class Pages
{
    public static async Task<ApiReply<Page<T>>> ReadAllAsync<T>(Func<string?, Task<ApiReply<Page<T>>>> fetch)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        var items = new List<T>();
        var json = new JsonArray();
        string? token = null;
        do
        {
            var page = await fetch(token);
            items.AddRange(page.Value.Items);
            foreach (var item in JsonNode.Parse(page.Json)?["items"]?.AsArray() ?? [])
            {
                json.Add(item?.DeepClone());
            }
            token = page.Value.ContinuationToken;
        }
        while (token is not null);
        var merged = new JsonObject { ["items"] = json, ["continuationToken"] = null };
        return new ApiReply<Page<T>>(new Page<T>(items, null), merged.ToJsonString(), 200);
    }
}

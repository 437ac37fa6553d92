using Serverless.Functions.Http.Api;

namespace Serverless.Functions.Http.OpenApi;

/// <summary>A route as the function app declares it: the <c>[Function]</c> name, its verbs and its route template (from the trigger attribute).</summary>
public sealed record HttpRoute(string FunctionName, IReadOnlyList<string> Verbs, string Route);

/// <summary>One status a route answers with.</summary>
public sealed record ApiResponse(int Status, string Description, ApiSchema? Schema = null);

public sealed record ApiQueryParameter(string Name, ApiType Type, string Description);

/// <summary>
/// What the OpenAPI document says about one function beyond its verb and route (which come from
/// the trigger attribute): summary, who may call it, bodies and statuses. Keyed by function name.
/// </summary>
public sealed record ApiOperation(string FunctionName, string Tag, string Summary)
{
    /// <summary>Null: no key needed.</summary>
    public ApiAccess? Access { get; init; } = ApiAccess.TenantOrAdmin;

    public string? Description { get; init; }

    public ApiSchema? Request { get; init; }

    /// <summary>The request body is <c>text/plain</c> (a Sieve script), not JSON.</summary>
    public bool PlainTextRequest { get; init; }

    /// <summary>The 200 response is <c>text/plain</c> (a Sieve script), not JSON.</summary>
    public bool PlainTextResponse { get; init; }

    /// <summary>Media types the request body may also have besides JSON (files: <c>application/mbox</c>, <c>application/zip</c>).</summary>
    public IReadOnlyList<string> FileRequestTypes { get; init; } = [];

    /// <summary>The 200 response is a file of one of these media types (an export), not JSON.</summary>
    public IReadOnlyList<string> FileResponseTypes { get; init; } = [];

    public IReadOnlyList<ApiResponse> Responses { get; init; } = [];

    public IReadOnlyList<ApiQueryParameter> Query { get; init; } = [];
}

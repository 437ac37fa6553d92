using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Http.Api;
using Serverless.Functions.Http.OpenApi;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>A response as a client sees it: the function's result executed into a real HttpResponse.</summary>
public sealed record ApiResponseMessage(int Status, IHeaderDictionary Headers, string ContentType, JsonElement Body)
{
    public string Str(string name) => Body.GetProperty(name).GetString()!;

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// The function app's services on fresh Azurite storage, and requests built the way the worker
/// builds them (<see cref="DefaultHttpContext"/> with a JSON body, route values as parameters).
/// </summary>
public sealed class ApiTestHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef-api";

    private ApiTestHost(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; }

    /// <param name="configure">Registrations added after the function app's own (e.g. a test <c>ISieveChecker</c>).</param>
    public static async Task<ApiTestHost> StartAsync(IDictionary<string, string?>? extra = null, Action<IServiceCollection>? configure = null)
    {
        var settings = await TestStorage.SettingsAsync();
        settings["Mail:AdminApiKey"] = AdminKey;
        settings["Mail:Provisioning:MailHost"] = "mx.mail.test";
        // Domains created through the API are verified at once unless a test asks otherwise (DomainOwnershipTests).
        settings["Mail:Provisioning:RequireDomainVerification"] = "false";
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMailFunctions(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        return new ApiTestHost(provider);
    }

    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>A request with an optional JSON body (serialised from an anonymous object, or raw text).</summary>
    public static HttpRequest Request(string method, string? key, object? body = null, string? query = null, string clientIp = "192.0.2.10",
        string contentType = "application/json")
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(clientIp);
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1:7071");
        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query);
        }
        if (key is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + key;
        }
        if (body is not null)
        {
            var bytes = body is string text ? Encoding.UTF8.GetBytes(text) : JsonSerializer.SerializeToUtf8Bytes(body);
            context.Request.ContentType = contentType;
            context.Request.ContentLength = bytes.Length;
            context.Request.Body = new MemoryStream(bytes);
        }
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    /// <summary>Runs the function's result against the request's response, as the host would, and reads it back.</summary>
    public static async Task<ApiResponseMessage> Send(HttpRequest request, Func<HttpRequest, Task<IActionResult>> function)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(function);
        var result = await function(request);
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        var bytes = ((MemoryStream)context.Response.Body).ToArray();
        var body = bytes.Length == 0 ? default : JsonDocument.Parse(bytes).RootElement.Clone();
        return new ApiResponseMessage(context.Response.StatusCode, context.Response.Headers, context.Response.ContentType ?? "", body);
    }

    /// <summary>Asserts the status, and that the body matches the schema the OpenAPI document gives for this function and status.</summary>
    public static ApiResponseMessage Expect(ApiResponseMessage response, string functionName, int status)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.True(status == response.Status, $"{functionName}: expected {status}, got {response}");
        var op = ProvisioningOperations.Find(functionName) ?? throw new InvalidOperationException("Undocumented function " + functionName);
        var schema = op.Responses.FirstOrDefault(r => r.Status == status)?.Schema ?? (status >= 400 ? ProvisioningSchemas.Problem : null);
        if (schema is null)
        {
            Assert.Equal(JsonValueKind.Undefined, response.Body.ValueKind);
            return response;
        }
        Assert.Equal(schema == ProvisioningSchemas.Problem ? "application/problem+json" : "application/json; charset=utf-8", response.ContentType);
        var errors = schema.Validate(response.Body);
        Assert.True(errors.Count == 0, $"{functionName} {status} body does not match schema {schema.Name}: {string.Join("; ", errors)} in {response.Body}");
        if (schema == ProvisioningSchemas.Problem)
        {
            Assert.Equal(status, response.Body.GetProperty("status").GetInt32());
        }
        return response;
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}

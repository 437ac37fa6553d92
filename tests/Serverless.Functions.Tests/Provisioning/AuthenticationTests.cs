using Serverless.Functions.Http;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task Missing_and_wrong_keys_get_401_with_a_bearer_challenge_and_only_the_admin_manages_tenants()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();

        var none = Expect(await Send(Request("GET", null), tenants.List), "ListTenants", 401);
        Assert.StartsWith("Bearer", none.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        Expect(await Send(Request("GET", AdminKey + "x"), tenants.List), "ListTenants", 401);
        Expect(await Send(Request("GET", AdminKey[..^1]), tenants.List), "ListTenants", 401);
        var basic = Request("GET", null);
        basic.Headers.Authorization = "Basic " + Convert.ToBase64String("admin:pw"u8.ToArray());
        Expect(await Send(basic, tenants.List), "ListTenants", 401);

        var created = Expect(await Send(Request("POST", AdminKey, new { id = "t-one" }), tenants.Create), "CreateTenant", 201);
        Assert.Equal("t-one", created.Str("displayName"));
        var tenantKey = created.Str("apiKey");
        Expect(await Send(Request("GET", tenantKey), tenants.List), "ListTenants", 403);
        Expect(await Send(Request("POST", tenantKey, new { id = "t-two" }), tenants.Create), "CreateTenant", 403);
        Expect(await Send(Request("GET", tenantKey), r => tenants.Get(r, "t-one")), "GetTenant", 200);
        Expect(await Send(Request("GET", tenantKey), r => tenants.Get(r, "no-such")), "GetTenant", 404);
        Expect(await Send(Request("GET", AdminKey), r => tenants.Get(r, "no-such")), "GetTenant", 404);
    }

    [Fact]
    public async Task Failed_authentications_are_limited_per_client_ip_with_retry_after()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Mail:Provisioning:MaxFailedAuthPerIp"] = "3" });
        var tenants = host.Function<TenantsFunction>();
        for (var i = 0; i < 3; i++)
        {
            Expect(await Send(Request("GET", "wrong-" + i, clientIp: "198.51.100.7"), tenants.List), "ListTenants", 401);
        }
        // The fourth try is refused without looking at the key — even the right one.
        var limited = Expect(await Send(Request("GET", AdminKey, clientIp: "198.51.100.7"), tenants.List), "ListTenants", 429);
        var retryAfter = int.Parse(limited.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        // Other clients are not affected.
        Expect(await Send(Request("GET", AdminKey, clientIp: "198.51.100.8"), tenants.List), "ListTenants", 200);
    }

    [Fact]
    public async Task Behind_a_local_proxy_the_client_ip_comes_from_the_configured_header_and_never_from_other_peers()
    {
        await using var host = await StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Provisioning:MaxFailedAuthPerIp"] = "2",
            ["Mail:Provisioning:ClientIpHeader"] = "X-Forwarded-For",
        });
        var tenants = host.Function<TenantsFunction>();
        Microsoft.AspNetCore.Http.HttpRequest request;
        for (var i = 0; i < 2; i++)
        {
            HttpRequestFrom("10.0.0.1, 203.0.113.5:51000", "wrong", out request);
            Expect(await Send(request, tenants.List), "ListTenants", 401);
        }
        // A client cannot dodge the limit by prepending addresses: the front end's (last) entry counts.
        HttpRequestFrom("192.0.2.200, 203.0.113.5", AdminKey, out request);
        Expect(await Send(request, tenants.List), "ListTenants", 429);
        HttpRequestFrom("203.0.113.6", AdminKey, out request);
        Expect(await Send(request, tenants.List), "ListTenants", 200);

        // From any other peer the header is the client's own claim and is ignored.
        for (var i = 0; i < 2; i++)
        {
            var spoofed = Request("GET", "wrong", clientIp: "198.51.100.20");
            spoofed.Headers["X-Forwarded-For"] = $"192.0.2.{i}";
            Expect(await Send(spoofed, tenants.List), "ListTenants", 401);
        }
        var third = Request("GET", AdminKey, clientIp: "198.51.100.20");
        third.Headers["X-Forwarded-For"] = "192.0.2.99";
        Expect(await Send(third, tenants.List), "ListTenants", 429);

        static void HttpRequestFrom(string forwarded, string key, out Microsoft.AspNetCore.Http.HttpRequest request)
        {
            request = Request("GET", key, clientIp: "127.0.0.1");
            request.Headers["X-Forwarded-For"] = forwarded;
        }
    }
}

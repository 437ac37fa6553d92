using System.Text.Json;
using Serverless.Functions.Http;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

public sealed class ValidationTests
{
    private static void AssertField(ApiResponseMessage problem, string field)
    {
        Assert.Equal("application/problem+json", problem.ContentType);
        var fields = problem.Body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains(field, fields);
        Assert.StartsWith(fields[0] + ":", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_bodies_get_400_problem_details_naming_the_field_and_nothing_is_created()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();
        var domains = host.Function<DomainsFunction>();
        var mailboxes = host.Function<MailboxesFunction>();
        var aliases = host.Function<AliasesFunction>();

        async Task Bad(string function, Func<Microsoft.AspNetCore.Http.HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> call, object body, string field) =>
            AssertField(Expect(await Send(Request("POST", AdminKey, body), call), function, 400), field);

        await Bad("CreateTenant", tenants.Create, new { id = "Upper" }, "id");
        await Bad("CreateTenant", tenants.Create, new { id = "ab" }, "id");
        await Bad("CreateTenant", tenants.Create, new { id = "-leading" }, "id");
        await Bad("CreateTenant", tenants.Create, new { id = "ok-id", colour = "blue" }, "colour");
        await Bad("CreateTenant", tenants.Create, new { id = 42 }, "id");
        await Bad("CreateTenant", tenants.Create, new { displayName = "no id" }, "id");
        await Bad("CreateTenant", tenants.Create, new { id = "ok-id", displayName = "line\r\nbreak" }, "displayName");
        await Bad("CreateTenant", tenants.Create, """{"id":"dup-one","id":"dup-two"}""", "id");
        await Bad("CreateTenant", tenants.Create, "[1,2]", "body");
        await Bad("CreateTenant", tenants.Create, "{\"id\":", "body");
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }, contentType: "text/plain"), tenants.Create), "CreateTenant", 415);
        Expect(await Send(Request("POST", AdminKey, new string(' ', 70_000)), tenants.Create), "CreateTenant", 413);

        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201);
        Task<Microsoft.AspNetCore.Mvc.IActionResult> D(Microsoft.AspNetCore.Http.HttpRequest r) => domains.Create(r, "acme");
        Task<Microsoft.AspNetCore.Mvc.IActionResult> M(Microsoft.AspNetCore.Http.HttpRequest r) => mailboxes.Create(r, "acme");
        Task<Microsoft.AspNetCore.Mvc.IActionResult> A(Microsoft.AspNetCore.Http.HttpRequest r) => aliases.Create(r, "acme");
        await Bad("CreateDomain", D, new { name = "no_underscores.test" }, "name");
        await Bad("CreateDomain", D, new { name = "localhost" }, "name");
        await Bad("CreateDomain", D, new { name = "192.0.2.1" }, "name");
        await Bad("CreateDomain", D, new { name = new string('a', 64) + ".test" }, "name");
        Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), D), "CreateDomain", 201);

        await Bad("CreateMailbox", M, new { address = "no-at-sign", password = "long enough password" }, "address");
        await Bad("CreateMailbox", M, new { address = "two..dots@acme.test", password = "long enough password" }, "address");
        await Bad("CreateMailbox", M, new { address = "\"quoted\"@acme.test", password = "long enough password" }, "address");
        await Bad("CreateMailbox", M, new { address = "sp ace@acme.test", password = "long enough password" }, "address");
        await Bad("CreateMailbox", M, new { address = new string('a', 65) + "@acme.test", password = "long enough password" }, "address");
        await Bad("CreateMailbox", M, new { address = "x@[192.0.2.1]", password = "long enough password" }, "address");
        await Bad("CreateMailbox", M, new { address = "x@other.test", password = "long enough password" }, "address");
        await Bad("CreateMailbox", M, new { address = "x@acme.test", password = "short" }, "password");
        await Bad("CreateMailbox", M, new { address = "x@acme.test", password = "long enough\0password" }, "password");
        await Bad("CreateMailbox", M, new { address = "x@acme.test", password = "long enough password", quotaBytes = -1 }, "quotaBytes");
        await Bad("CreateMailbox", M, new { address = "x@acme.test", password = "long enough password", quotaBytes = 1.5 }, "quotaBytes");
        await Bad("CreateMailbox", M, new { address = "x@acme.test", password = "long enough password", quota = 5 }, "quota");
        // UTF-8 local parts (RFC 6531) are fine, as is every atext character.
        Expect(await Send(Request("POST", AdminKey, new { address = "δοκιμή@acme.test", password = "long enough password" }), M), "CreateMailbox", 201);
        Expect(await Send(Request("POST", AdminKey, new { address = "a!#$%&'*+-/=?^_`{|}~z@acme.test", password = "long enough password" }), M), "CreateMailbox", 201);

        await Bad("CreateAlias", A, new { address = "team@acme.test", targets = new List<string>() }, "targets");
        await Bad("CreateAlias", A, new { address = "team@acme.test", targets = new List<string> { "ok@remote.example", "bad" } }, "targets.1");
        await Bad("CreateAlias", A, new { address = "team@acme.test", targets = new List<string> { "nobody@acme.test" } }, "targets.0");
        await Bad("CreateAlias", A, new { address = "team@acme.test", targets = new List<string> { "team@acme.test" } }, "targets.0");
        await Bad("CreateAlias", A, new { address = "@other.test", targets = new List<string> { "x@remote.example" } }, "address");
        await Bad("CreateAlias", A, new { address = "team@acme.test", targets = "x@remote.example" }, "targets");
        // Quoted local parts are fine for external targets.
        var quoted = Expect(await Send(Request("POST", AdminKey, new { address = "team@acme.test", targets = new List<string> { "\"John Smith\"@Remote.Example" } }), A), "CreateAlias", 201);
        Assert.Equal("\"John Smith\"@remote.example", quoted.Body.GetProperty("targets")[0].GetString());

        // Nothing half-made: one domain, two mailboxes, one alias.
        var list = Expect(await Send(Request("GET", AdminKey), r => mailboxes.List(r, "acme")), "ListMailboxes", 200);
        Assert.Equal(2, list.Body.GetProperty("items").GetArrayLength());
        var domainList = Expect(await Send(Request("GET", AdminKey), r => domains.List(r, "acme")), "ListDomains", 200);
        Assert.Equal(1, domainList.Body.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Query_parameters_are_checked_too()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();
        var mailboxes = host.Function<MailboxesFunction>();
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201);
        AssertField(Expect(await Send(Request("GET", AdminKey, query: "?limit=0"), r => mailboxes.List(r, "acme")), "ListMailboxes", 400), "limit");
        AssertField(Expect(await Send(Request("GET", AdminKey, query: "?limit=abc"), r => mailboxes.List(r, "acme")), "ListMailboxes", 400), "limit");
        AssertField(Expect(await Send(Request("GET", AdminKey, query: "?continuationToken=%%%"), r => mailboxes.List(r, "acme")), "ListMailboxes", 400), "continuationToken");
        AssertField(Expect(await Send(Request("DELETE", AdminKey, query: "?force=yes"), r => tenants.Delete(r, "acme")), "DeleteTenant", 400), "force");
        Expect(await Send(Request("GET", AdminKey, query: "?domain=unknown.test"), r => mailboxes.List(r, "acme")), "ListMailboxes", 404);
        var empty = Expect(await Send(Request("GET", AdminKey), r => mailboxes.List(r, "acme")), "ListMailboxes", 200);
        Assert.Equal(0, empty.Body.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, empty.Body.GetProperty("continuationToken").ValueKind);
    }
}

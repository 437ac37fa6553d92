using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Http.OpenApi;
using Serverless.Mail.Accounts;
using Serverless.Mail.Sieve;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>/api/tenants/{t}/mailboxes/{address}/sieve (text/plain) and …/vacation (JSON).</summary>
public sealed class SieveApiTests
{
    private const string Script = "require \"fileinto\";\r\nif header :contains \"subject\" \"[list]\" { fileinto \"Lists\"; }\r\n";

    private static async Task<(ApiTestHost Host, SieveFunction Sieve, string Key, MailboxRecord Mailbox)> SetUpAsync()
    {
        var host = await StartAsync();
        var acme = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", AdminKey, new { id = "globex" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201);
        Expect(await Send(Request("POST", acme, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        Expect(await Send(Request("POST", acme, new { address = "alice@acme.test", password = "long enough password" }), r => host.Function<MailboxesFunction>().Create(r, "acme")), "CreateMailbox", 201);
        var mailbox = await host.Services.GetRequiredService<MailDirectory>().GetMailboxAsync(MailAddress.Parse("alice@acme.test"));
        return (host, host.Function<SieveFunction>(), acme, mailbox!);
    }

    /// <summary>Executes a text/plain route: status, content type and the body as text.</summary>
    private static async Task<(int Status, string ContentType, string Body)> SendText(HttpRequest request, Func<HttpRequest, Task<IActionResult>> function)
    {
        var result = await function(request);
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        return (request.HttpContext.Response.StatusCode, request.HttpContext.Response.ContentType ?? "", Encoding.UTF8.GetString(((MemoryStream)request.HttpContext.Response.Body).ToArray()));
    }

    private static HttpRequest TextRequest(string method, string key, string text) => Request(method, key, text, contentType: "text/plain; charset=utf-8");

    [Fact]
    public async Task The_active_script_is_read_and_replaced_as_text_and_one_that_does_not_compile_is_refused_with_line_and_reason()
    {
        var (host, sieve, key, mailbox) = await SetUpAsync();
        await using var _ = host;
        Assert.Equal(204, (await SendText(Request("GET", key), r => sieve.GetScript(r, "acme", "alice@acme.test"))).Status);

        var put = await SendText(TextRequest("PUT", key, Script), r => sieve.PutScript(r, "acme", "alice@acme.test"));
        Assert.Equal((200, "text/plain; charset=utf-8", Script), put);
        Assert.Equal((200, "text/plain; charset=utf-8", Script), await SendText(Request("GET", AdminKey), r => sieve.GetScript(r, "acme", "alice@acme.test")));
        var active = await host.Services.GetRequiredService<ISieveScriptSource>().GetActiveAsync(mailbox.MailboxId, default);
        Assert.Equal(("main", Script), (active!.Name, active.Text));

        var problem = Expect(await Send(TextRequest("PUT", key, "keep;\nBROKEN;\n"), r => sieve.PutScript(r, "acme", "alice@acme.test")), "PutSieveScript", 400);
        Assert.Equal("script: line 2: unknown command 'broken'", problem.Str("detail"));
        Assert.Equal("script", problem.Body.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(Script, (await SendText(Request("GET", key), r => sieve.GetScript(r, "acme", "alice@acme.test"))).Body);

        Expect(await Send(Request("PUT", key, new { script = "keep;" }), r => sieve.PutScript(r, "acme", "alice@acme.test")), "PutSieveScript", 415);
        Expect(await Send(Request("PUT", key, new string('#', 70_000), contentType: "text/plain"), r => sieve.PutScript(r, "acme", "alice@acme.test")), "PutSieveScript", 413);
        var notUtf8 = Request("PUT", key, "x", contentType: "text/plain");
        notUtf8.Body = new MemoryStream([0x6b, 0xff, 0x3b]);
        notUtf8.ContentLength = 3;
        Assert.Equal("script: is not valid UTF-8.", Expect(await Send(notUtf8, r => sieve.PutScript(r, "acme", "alice@acme.test")), "PutSieveScript", 400).Str("detail"));
    }

    [Fact]
    public async Task Other_tenants_and_unknown_mailboxes_get_404()
    {
        var (host, sieve, _, _) = await SetUpAsync();
        await using var __ = host;
        var globex = Expect(await Send(Request("POST", AdminKey), r => host.Function<ApiKeysFunction>().Create(r, "globex")), "CreateApiKey", 201).Str("apiKey");
        Expect(await Send(Request("GET", globex), r => sieve.GetScript(r, "acme", "alice@acme.test")), "GetSieveScript", 404);
        Expect(await Send(TextRequest("PUT", globex, "keep;"), r => sieve.PutScript(r, "acme", "alice@acme.test")), "PutSieveScript", 404);
        Expect(await Send(Request("GET", globex), r => sieve.GetVacation(r, "acme", "alice@acme.test")), "GetVacation", 404);
        Expect(await Send(Request("GET", AdminKey), r => sieve.GetVacation(r, "acme", "nobody@acme.test")), "GetVacation", 404);
        Expect(await Send(Request("GET", null), r => sieve.GetVacation(r, "acme", "alice@acme.test")), "GetVacation", 401);
    }

    [Fact]
    public async Task A_managed_vacation_is_saved_checked_strictly_and_runs_in_front_of_the_users_own_script()
    {
        var (host, sieve, key, mailbox) = await SetUpAsync();
        await using var _ = host;
        var off = Expect(await Send(Request("GET", key), r => sieve.GetVacation(r, "acme", "alice@acme.test")), "GetVacation", 200);
        Assert.Equal("""{"enabled":false,"subject":null,"body":null,"from":null,"until":null,"days":7}""", off.Body.GetRawText());
        await SendText(TextRequest("PUT", key, Script), r => sieve.PutScript(r, "acme", "alice@acme.test"));

        var on = Expect(await Send(Request("PUT", key, new { enabled = true, subject = "Away", body = "Back on Monday.", from = "Alice@ACME.test", until = "2099-01-05T08:00:00+01:00", days = 3 }),
            r => sieve.SetVacation(r, "acme", "alice@acme.test")), "SetVacation", 200);
        Assert.Equal("alice@acme.test", on.Str("from"));
        var read = Expect(await Send(Request("GET", key), r => sieve.GetVacation(r, "acme", "alice@acme.test")), "GetVacation", 200);
        Assert.Equal(on.Body.GetRawText(), read.Body.GetRawText());
        Assert.Equal(new DateTimeOffset(2099, 1, 5, 7, 0, 0, TimeSpan.Zero), read.Body.GetProperty("until").GetDateTimeOffset());

        // The user's script is unchanged; the delivery gets it with the vacation rule after its requires.
        Assert.Equal(Script, (await SendText(Request("GET", key), r => sieve.GetScript(r, "acme", "alice@acme.test"))).Body);
        var active = await host.Services.GetRequiredService<ISieveScriptSource>().GetActiveAsync(mailbox.MailboxId, default);
        Assert.Equal(
            "require \"vacation\";\r\nrequire \"fileinto\";\r\n# Managed vacation (set through the API)\r\nvacation :days 3 :subject \"Away\" :from \"alice@acme.test\" \"Back on Monday.\";\r\n\r\nif header :contains \"subject\" \"[list]\" { fileinto \"Lists\"; }\r\n",
            active!.Text);

        Expect(await Send(Request("PUT", key, new { enabled = false }), r => sieve.SetVacation(r, "acme", "alice@acme.test")), "SetVacation", 200);
        Assert.Equal(Script, (await host.Services.GetRequiredService<ISieveScriptSource>().GetActiveAsync(mailbox.MailboxId, default))!.Text);

        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { enabled = true }, "body"),
            (new { enabled = true, body = "x", days = 0 }, "days"),
            (new { enabled = true, body = "x", days = 31 }, "days"),
            (new { enabled = true, body = "x", from = "me@globex.test" }, "from"),
            (new { enabled = true, body = "x", subject = "two\nlines" }, "subject"),
            (new { enabled = true, body = "x", until = "2099-01-05" }, "until"),
            (new { enabled = true, body = "x", until = "2099-01-05T08:00:00" }, "until"),
            (new { enabled = true, body = "x", colour = "red" }, "colour"),
            (new { body = "x" }, "enabled"),
        })
        {
            var problem = Expect(await Send(Request("PUT", key, body), r => sieve.SetVacation(r, "acme", "alice@acme.test")), "SetVacation", 400);
            Assert.Equal(field, problem.Body.GetProperty("errors")[0].GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task The_OpenAPI_document_declares_the_script_routes_as_text_plain()
    {
        var (host, _, _, _) = await SetUpAsync();
        await using var __ = host;
        var document = (await Send(Request("GET", null), r => Task.FromResult(host.Function<OpenApiFunction>().Run(r)))).Body;
        var path = document.GetProperty("paths").GetProperty("/tenants/{tenant}/mailboxes/{address}/sieve");
        Assert.Equal(JsonValueKind.Object, path.GetProperty("put").GetProperty("requestBody").GetProperty("content").GetProperty("text/plain").ValueKind);
        Assert.Equal(JsonValueKind.Object, path.GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/plain").ValueKind);
        Assert.True(document.GetProperty("paths").TryGetProperty("/tenants/{tenant}/mailboxes/{address}/vacation", out _));
        Assert.NotNull(ProvisioningOperations.Find("SetVacation"));
    }
}

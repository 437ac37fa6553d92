using System.Net;
using System.Net.Http.Json;
using Serverless.Mail.Accounts;
using Serverless.Reliability.Tests.Infrastructure;
using Xunit;

namespace Serverless.Reliability.Tests.Isolation;

/// <summary>
/// Through the API, a tenant key reaches only its own tenant — whichever way another tenant's data
/// is named: the other tenant's routes, its addresses and keys under one's own tenant route, its
/// domain in a new mailbox or alias, its mailboxes as alias targets, its usage and its outbound
/// queue, the operators' poison queues. (Every route with another tenant's key, without a key and
/// with a forged key is covered by DevHostProvisioningTests in Serverless.Functions.Tests.)
/// </summary>
public sealed class ApiIsolationTests
{
    private static readonly string[] AliceOnly = ["alice@acme.test"];
    private static readonly string[] DaveOnly = ["dave@globex.test"];

    [Fact]
    public async Task A_tenant_key_cannot_read_change_or_name_another_tenants_data()
    {
        await using var stack = await MailStack.StartAsync();
        using var acme = stack.Api(stack.AcmeKey);
        using var globex = stack.Api(stack.GlobexKey);
        var globexKeyId = stack.GlobexKey.Split('_')[1];

        // Globex's own routes: 404, as if they did not exist.
        foreach (var path in new[]
        {
            "tenants/globex", "tenants/globex/mailboxes", "tenants/globex/mailboxes/dave@globex.test", "tenants/globex/aliases", "tenants/globex/aliases/ops@globex.test",
            "tenants/globex/domains", "tenants/globex/domains/globex.test", "tenants/globex/keys", "tenants/globex/outbound", "tenants/globex/outbound?all=true",
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync(path)).StatusCode);
        }
        // Globex's things named under acme's own routes: 404 too (the lookups are scoped to the route's tenant).
        foreach (var path in new[]
        {
            "tenants/acme/mailboxes/dave@globex.test", "tenants/acme/aliases/ops@globex.test", "tenants/acme/domains/globex.test",
            "tenants/acme/mailboxes?domain=globex.test",
        })
        {
            var response = await acme.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound || !(await response.Content.ReadAsStringAsync()).Contains("dave", StringComparison.Ordinal),
                $"{path}: {response.StatusCode}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PutAsJsonAsync("tenants/acme/mailboxes/dave@globex.test/password", new { password = "taken over at last" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PatchAsJsonAsync("tenants/acme/mailboxes/dave@globex.test", new { enabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.DeleteAsync("tenants/acme/mailboxes/dave@globex.test")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.DeleteAsync("tenants/acme/aliases/ops@globex.test")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.DeleteAsync("tenants/acme/domains/globex.test?force=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.DeleteAsync($"tenants/acme/keys/{globexKeyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.DeleteAsync("tenants/globex?force=true")).StatusCode);

        // Claiming globex's domain for a new mailbox, alias or catch-all (mail interception), or pointing an alias at dave.
        Assert.NotEqual(HttpStatusCode.Created, (await acme.PostAsJsonAsync("tenants/acme/mailboxes", new { address = "evil@globex.test", password = "long enough password" })).StatusCode);
        Assert.NotEqual(HttpStatusCode.Created, (await acme.PostAsJsonAsync("tenants/acme/aliases", new { address = "grab@globex.test", targets = AliceOnly })).StatusCode);
        Assert.NotEqual(HttpStatusCode.Created, (await acme.PostAsJsonAsync("tenants/acme/aliases", new { address = "@globex.test", targets = AliceOnly })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await acme.PostAsJsonAsync("tenants/acme/aliases", new { address = "copy@acme.test", targets = DaveOnly })).StatusCode);
        Assert.NotEqual(HttpStatusCode.Created, (await acme.PostAsJsonAsync("tenants/acme/domains", new { name = "globex.test" })).StatusCode);
        // Not even with a tenant id spelt differently.
        foreach (var spelling in new[] { "GLOBEX", "globex%20", "globex%2F..%2Facme", "..%2Fglobex" })
        {
            Assert.True((await acme.GetAsync($"tenants/{spelling}/mailboxes")).StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, spelling);
        }
        // Operators' routes.
        Assert.Equal(HttpStatusCode.Forbidden, (await acme.GetAsync("tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await acme.GetAsync("queues/inbound/poison")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await acme.GetAsync("queues/outbound/poison")).StatusCode);

        // Globex is untouched: its key works, dave is enabled and logs in with his own password.
        Assert.Equal(HttpStatusCode.OK, (await globex.GetAsync("tenants/globex/keys")).StatusCode);
        var dave = await stack.Get<MailDirectory>().GetMailboxAsync(MailAddress.Parse("dave@globex.test"));
        Assert.True(dave is { Enabled: true });
        Assert.True((await stack.Get<Serverless.Mail.Security.LoginVerifier>().VerifyAsync("dave@globex.test", MailStack.Password, "192.0.2.10")).Succeeded);
        Assert.NotNull(await stack.Get<MailDirectory>().GetAddressAsync(MailAddress.Parse("ops@globex.test")));
        Assert.Null(await stack.Get<MailDirectory>().GetAddressAsync(MailAddress.Parse("grab@globex.test")));
    }
}

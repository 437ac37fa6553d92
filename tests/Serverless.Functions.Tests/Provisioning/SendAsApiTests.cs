using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Mail.Accounts;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>/api/tenants/{t}/mailboxes/{address}/send-as: grants stay inside the tenant and land on the mailbox row the login reads.</summary>
public sealed class SendAsApiTests
{
    private static readonly string[] Both = ["info@acme2.test", "ceo@acme.test"];

    [Fact]
    public async Task Grants_are_made_listed_and_withdrawn_within_the_tenant()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();
        var domains = host.Function<DomainsFunction>();
        var mailboxes = host.Function<MailboxesFunction>();
        var sendAs = host.Function<SendAsFunction>();
        var acme = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        var globex = Expect(await Send(Request("POST", AdminKey, new { id = "globex" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", acme, new { name = "acme.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        Expect(await Send(Request("POST", acme, new { name = "acme2.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        Expect(await Send(Request("POST", globex, new { name = "globex.test" }), r => domains.Create(r, "globex")), "CreateDomain", 201);
        Expect(await Send(Request("POST", acme, new { address = "alice@acme.test", password = "long enough password" }), r => mailboxes.Create(r, "acme")), "CreateMailbox", 201);

        // Granted: any address of the tenant's domains (a mailbox, an alias or neither), normalised.
        var granted = Expect(await Send(Request("POST", acme, new { address = "Info@ACME2.test" }), r => sendAs.Grant(r, "acme", "alice@acme.test")), "GrantSendAs", 201);
        Assert.Equal(("alice@acme.test", "info@acme2.test"), (granted.Str("mailbox"), granted.Str("address")));
        Assert.EndsWith("/mailboxes/alice%40acme.test/send-as/info%40acme2.test", granted.Headers.Location.ToString(), StringComparison.Ordinal);
        Expect(await Send(Request("POST", acme, new { address = "ceo@acme.test" }), r => sendAs.Grant(r, "acme", "alice@acme.test")), "GrantSendAs", 201);
        Expect(await Send(Request("POST", acme, new { address = "info@acme2.test" }), r => sendAs.Grant(r, "acme", "alice@acme.test")), "GrantSendAs", 409);

        // Never outside the tenant: another tenant's domain, a domain nobody hosts, the mailbox itself, bad syntax — 400 naming the field.
        foreach (var address in new[] { "dave@globex.test", "someone@gmail.test", "alice@acme.test", "not an address" })
        {
            var problem = Expect(await Send(Request("POST", acme, new { address }), r => sendAs.Grant(r, "acme", "alice@acme.test")), "GrantSendAs", 400);
            Assert.Equal("address", problem.Body.GetProperty("errors")[0].GetProperty("field").GetString());
        }
        Expect(await Send(Request("POST", acme, new { }), r => sendAs.Grant(r, "acme", "alice@acme.test")), "GrantSendAs", 400);
        Expect(await Send(Request("POST", acme, new { address = "x@acme.test" }), r => sendAs.Grant(r, "acme", "nobody@acme.test")), "GrantSendAs", 404);
        // Another tenant's key sees nothing: 404 like the rest of the API.
        Expect(await Send(Request("POST", globex, new { address = "x@acme.test" }), r => sendAs.Grant(r, "acme", "alice@acme.test")), "GrantSendAs", 404);
        Expect(await Send(Request("GET", globex), r => sendAs.List(r, "acme", "alice@acme.test")), "ListSendAs", 404);
        Expect(await Send(Request("DELETE", globex), r => sendAs.Revoke(r, "acme", "alice@acme.test", "ceo@acme.test")), "RevokeSendAs", 404);

        var list = Expect(await Send(Request("GET", acme), r => sendAs.List(r, "acme", "alice@acme.test")), "ListSendAs", 200);
        Assert.Equal(Both, list.Body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("address").GetString()!).ToArray());
        // The grants live on the mailbox row, which the login reads: nothing else to look up when mail is sent.
        var record = await host.Services.GetRequiredService<MailDirectory>().GetMailboxAsync(MailAddress.Parse("alice@acme.test"));
        Assert.Equal(["info@acme2.test", "ceo@acme.test"], record!.SendAs);

        Expect(await Send(Request("DELETE", acme), r => sendAs.Revoke(r, "acme", "alice@acme.test", "ceo@acme.test")), "RevokeSendAs", 204);
        Expect(await Send(Request("DELETE", acme), r => sendAs.Revoke(r, "acme", "alice@acme.test", "ceo@acme.test")), "RevokeSendAs", 404);
        list = Expect(await Send(Request("GET", AdminKey), r => sendAs.List(r, "acme", "alice@acme.test")), "ListSendAs", 200);
        Assert.Equal("info@acme2.test", Assert.Single(list.Body.GetProperty("items").EnumerateArray()).GetProperty("address").GetString());

        // Other mailbox changes keep the grants (the row is replaced whole).
        Expect(await Send(Request("PATCH", acme, new { displayName = "Alice" }), r => mailboxes.Update(r, "acme", "alice@acme.test")), "UpdateMailbox", 200);
        record = await host.Services.GetRequiredService<MailDirectory>().GetMailboxAsync(MailAddress.Parse("alice@acme.test"));
        Assert.Equal(["info@acme2.test"], record!.SendAs);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Mail.Accounts;
using Serverless.Testing.Outbound;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>Issue 14, domain ownership through the API: pending claims, verification by a TXT record on the loopback DNS server, force, host names.</summary>
public sealed class DomainVerificationTests
{
    private static Task<ApiTestHost> StartAsync(TestDnsServer dns) => ApiTestHost.StartAsync(new Dictionary<string, string?>
    {
        ["Mail:Provisioning:RequireDomainVerification"] = "true",
        ["Mail:Dns:Servers"] = dns.Setting,
        ["Mail:Listeners:HostName"] = "mail.service.test",
        ["Mail:Delivery:HostName"] = "in.service.test",
    });

    private static async Task<string> TenantAsync(ApiTestHost host, string id) =>
        Expect(await Send(Request("POST", AdminKey, new { id }), host.Function<TenantsFunction>().Create), "CreateTenant", 201).Str("apiKey");

    [Fact]
    public async Task Pending_claims_block_nobody_the_first_to_prove_the_txt_record_wins_and_the_other_is_superseded()
    {
        using var dns = new TestDnsServer();
        await using var host = await StartAsync(dns);
        var domains = host.Function<DomainsFunction>();
        var mailboxes = host.Function<MailboxesFunction>();
        var acme = await TenantAsync(host, "acme");
        var globex = await TenantAsync(host, "globex");

        var acmeClaim = Expect(await Send(Request("POST", acme, new { name = "shared.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        Assert.Equal("pending", acmeClaim.Str("status"));
        var verification = acmeClaim.Body.GetProperty("verification");
        Assert.Equal(("TXT", "_serverless-mail.shared.test"), (verification.GetProperty("type").GetString(), verification.GetProperty("name").GetString()));
        var acmeValue = verification.GetProperty("value").GetString()!;
        Assert.Matches("^serverless-mail-verify=[0-9a-f]{32}$", acmeValue);
        // Another tenant's pending claim of the same name is no obstacle; each has its own token.
        var globexClaim = Expect(await Send(Request("POST", globex, new { name = "shared.test" }), r => domains.Create(r, "globex")), "CreateDomain", 201);
        Assert.Equal("pending", globexClaim.Str("status"));
        var globexValue = globexClaim.Body.GetProperty("verification").GetProperty("value").GetString()!;
        Assert.NotEqual(acmeValue, globexValue);
        Expect(await Send(Request("POST", acme, new { name = "shared.test" }), r => domains.Create(r, "acme")), "CreateDomain", 409);
        Assert.Null(await host.Services.GetRequiredService<MailDirectory>().GetDomainAsync("shared.test"));

        // Nothing lives in a pending domain.
        var early = Expect(await Send(Request("POST", acme, new { address = "a@shared.test", password = "a long password" }), r => mailboxes.Create(r, "acme")),
            "CreateMailbox", 400);
        Assert.Contains("pending", early.Str("detail"), StringComparison.Ordinal);

        // No record, then a wrong one: 409 saying what was found.
        var none = Expect(await Send(Request("POST", acme), r => domains.Verify(r, "acme", "shared.test")), "VerifyDomain", 409);
        Assert.Contains("No TXT record found at _serverless-mail.shared.test", none.Str("detail"), StringComparison.Ordinal);
        dns.AddTxt("_serverless-mail.shared.test", "serverless-mail-verify=not-the-token");
        var wrong = Expect(await Send(Request("POST", acme), r => domains.Verify(r, "acme", "shared.test")), "VerifyDomain", 409);
        Assert.Contains("\"serverless-mail-verify=not-the-token\"", wrong.Str("detail"), StringComparison.Ordinal);
        Assert.Contains($"expected \"{acmeValue}\"", wrong.Str("detail"), StringComparison.Ordinal);

        // globex publishes its record first and wins; acme's record, published later, is too late.
        dns.AddTxt("_serverless-mail.shared.test", globexValue);
        var won = Expect(await Send(Request("POST", globex), r => domains.Verify(r, "globex", "shared.test")), "VerifyDomain", 200);
        Assert.Equal("verified", won.Str("status"));
        Expect(await Send(Request("POST", globex), r => domains.Verify(r, "globex", "shared.test")), "VerifyDomain", 200);
        dns.AddTxt("_serverless-mail.shared.test", acmeValue);
        var lost = Expect(await Send(Request("POST", acme), r => domains.Verify(r, "acme", "shared.test")), "VerifyDomain", 409);
        Assert.Contains("superseded", lost.Str("detail"), StringComparison.Ordinal);
        Assert.Equal("superseded", Expect(await Send(Request("GET", acme), r => domains.Get(r, "acme", "shared.test")), "GetDomain", 200).Str("status"));
        var acmeList = Expect(await Send(Request("GET", acme), r => domains.List(r, "acme")), "ListDomains", 200);
        Assert.Equal("superseded", Assert.Single(acmeList.Body.GetProperty("items").EnumerateArray()).GetProperty("status").GetString());
        var globexList = Expect(await Send(Request("GET", globex), r => domains.List(r, "globex")), "ListDomains", 200);
        Assert.Equal("verified", Assert.Single(globexList.Body.GetProperty("items").EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal("globex", (await host.Services.GetRequiredService<MailDirectory>().GetDomainAsync("shared.test"))!.TenantId);
        // Now that a tenant has proven it, others cannot even claim it.
        await TenantAsync(host, "initech");
        Expect(await Send(Request("POST", AdminKey, new { name = "shared.test" }), r => domains.Create(r, "initech")), "CreateDomain", 409);

        // The winner's mailboxes work; the loser's claim goes without taking them along.
        Expect(await Send(Request("POST", globex, new { address = "g@shared.test", password = "a long password" }), r => mailboxes.Create(r, "globex")),
            "CreateMailbox", 201);
        Expect(await Send(Request("DELETE", acme, query: "?force=true"), r => domains.Delete(r, "acme", "shared.test")), "DeleteDomain", 204);
        Expect(await Send(Request("GET", globex), r => mailboxes.Get(r, "globex", "g@shared.test")), "GetMailbox", 200);
        Assert.Equal("globex", (await host.Services.GetRequiredService<MailDirectory>().GetDomainAsync("shared.test"))!.TenantId);
    }

    [Fact]
    public async Task Only_the_admin_key_may_verify_without_dns()
    {
        using var dns = new TestDnsServer();
        await using var host = await StartAsync(dns);
        var domains = host.Function<DomainsFunction>();
        var acme = await TenantAsync(host, "acme");
        Expect(await Send(Request("POST", acme, new { name = "forced.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);

        Expect(await Send(Request("POST", acme, query: "?force=true"), r => domains.Verify(r, "acme", "forced.test")), "VerifyDomain", 403);
        Assert.Null(await host.Services.GetRequiredService<MailDirectory>().GetDomainAsync("forced.test"));
        var forced = Expect(await Send(Request("POST", AdminKey, query: "?force=true"), r => domains.Verify(r, "acme", "forced.test")), "VerifyDomain", 200);
        Assert.Equal("verified", forced.Str("status"));
        Assert.Equal("acme", (await host.Services.GetRequiredService<MailDirectory>().GetDomainAsync("forced.test"))!.TenantId);
    }

    [Theory]
    [InlineData("mail.service.test", "Mail:Listeners:HostName")]
    [InlineData("In.Service.Test", "Mail:Delivery:HostName")]
    [InlineData("mx.mail.test", "Mail:Provisioning:MailHost")]
    public async Task The_services_own_host_names_cannot_be_claimed(string name, string setting)
    {
        using var dns = new TestDnsServer();
        await using var host = await StartAsync(dns);
        var acme = await TenantAsync(host, "acme");
        var refused = Expect(await Send(Request("POST", acme, new { name }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 400);
        Assert.Equal("name", refused.Body.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Contains(setting, refused.Str("detail"), StringComparison.Ordinal);
    }
}

using System.Text;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Security;
using Serverless.Mail.Storage;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

public sealed class ProvisioningWalkTests
{
    [Fact]
    public async Task Tenant_domain_mailboxes_alias_catch_all_key_rotation_and_deletes()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();
        var keys = host.Function<ApiKeysFunction>();
        var domains = host.Function<DomainsFunction>();
        var mailboxes = host.Function<MailboxesFunction>();
        var aliases = host.Function<AliasesFunction>();
        var storage = host.Services.GetRequiredService<MailStorage>();

        // ---- tenant ----
        var created = Expect(await Send(Request("POST", AdminKey, new { id = "acme", displayName = "Acme Corp" }), tenants.Create), "CreateTenant", 201);
        Assert.Equal(("acme", "Acme Corp"), (created.Str("id"), created.Str("displayName")));
        Assert.Equal("/api/tenants/acme", created.Headers.Location.ToString());
        var firstKey = created.Str("apiKey");
        var firstKeyId = created.Str("keyId");
        Assert.StartsWith($"smk_{firstKeyId}_", firstKey, StringComparison.Ordinal);
        Expect(await Send(Request("POST", AdminKey, new { id = "acme", displayName = "again" }), tenants.Create), "CreateTenant", 409);
        var tenant = Expect(await Send(Request("GET", firstKey), r => tenants.Get(r, "acme")), "GetTenant", 200);
        Assert.Equal("Acme Corp", tenant.Str("displayName"));
        var all = Expect(await Send(Request("GET", AdminKey), tenants.List), "ListTenants", 200);
        Assert.Equal(["acme"], all.Body.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()));

        // ---- domains ----
        var domain = Expect(await Send(Request("POST", firstKey, new { name = "Acme.Test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        Assert.Equal("acme.test", domain.Str("name"));
        var selector = domain.Str("dkimSelector");
        Assert.Matches("^sm[0-9]{8}[0-9a-f]{4}$", selector);
        var records = domain.Body.GetProperty("dnsRecords").EnumerateArray()
            .Select(r => (Type: r.GetProperty("type").GetString()!, Name: r.GetProperty("name").GetString()!, Value: r.GetProperty("value").GetString()!)).ToList();
        Assert.Equal(("MX", "acme.test", "10 mx.mail.test."), records[0]);
        Assert.Equal(("TXT", "acme.test", "v=spf1 mx ~all"), records[1]);
        Assert.Equal(("TXT", $"{selector}._domainkey.acme.test"), (records[2].Type, records[2].Name));
        Assert.Matches("^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]{390,}={0,2}$", records[2].Value);
        Assert.Equal(("TXT", "_dmarc.acme.test", "v=DMARC1; p=quarantine; rua=mailto:postmaster@acme.test; adkim=r; aspf=r"), records[3]);
        Assert.Equal(("TXT", "_mta-sts.acme.test"), (records[4].Type, records[4].Name));
        Assert.Matches("^v=STSv1; id=[0-9]{14}$", records[4].Value);
        Assert.Equal(("TXT", "_smtp._tls.acme.test", "v=TLSRPTv1; rua=mailto:postmaster@acme.test"), records[5]);
        // Then the client-setup CNAMEs and the six SRV records (ClientSetupFunctionTests, AddressRulesTests).
        Assert.Equal(("CNAME", "mta-sts.acme.test"), (records[6].Type, records[6].Name));
        Assert.Equal(15, records.Count);
        Assert.Contains("mx: mx.mail.test", domain.Str("mtaStsPolicy"), StringComparison.Ordinal);

        var read = Expect(await Send(Request("GET", firstKey), r => domains.Get(r, "acme", "acme.test")), "GetDomain", 200);
        Assert.Equal(domain.Body.GetProperty("dnsRecords").ToString(), read.Body.GetProperty("dnsRecords").ToString());
        Expect(await Send(Request("POST", firstKey, new { name = "acme.test" }), r => domains.Create(r, "acme")), "CreateDomain", 409);
        var idn = Expect(await Send(Request("POST", AdminKey, new { name = "bücher.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        Assert.Equal(("xn--bcher-kva.test", "bücher.test"), (idn.Str("name"), idn.Str("unicodeName")));
        var domainList = Expect(await Send(Request("GET", firstKey), r => domains.List(r, "acme")), "ListDomains", 200);
        Assert.Equal(["acme.test", "xn--bcher-kva.test"], domainList.Body.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("name").GetString()));

        // ---- mailboxes ----
        var alice = Expect(await Send(Request("POST", firstKey, new { address = "alice@acme.test", password = "correct horse battery", displayName = "Alice", quotaBytes = 1_000_000 }),
            r => mailboxes.Create(r, "acme")), "CreateMailbox", 201);
        Assert.Equal(("alice@acme.test", "Alice", 1_000_000L, true),
            (alice.Str("address"), alice.Str("displayName"), alice.Body.GetProperty("quotaBytes").GetInt64(), alice.Body.GetProperty("enabled").GetBoolean()));
        Assert.Equal("/api/tenants/acme/mailboxes/alice%40acme.test", alice.Headers.Location.ToString());
        var bob = Expect(await Send(Request("POST", firstKey, new { address = "Bob@ACME.test", password = "bob's long password" }), r => mailboxes.Create(r, "acme")), "CreateMailbox", 201);
        Assert.Equal(("bob@acme.test", 0L), (bob.Str("address"), bob.Body.GetProperty("quotaBytes").GetInt64()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, bob.Body.GetProperty("displayName").ValueKind);
        var jorg = Expect(await Send(Request("POST", firstKey, new { address = "Jörg@bücher.test", password = "jörg's password!" }), r => mailboxes.Create(r, "acme")), "CreateMailbox", 201);
        Assert.Equal("jörg@xn--bcher-kva.test", jorg.Str("address"));
        Expect(await Send(Request("POST", firstKey, new { address = "alice@acme.test", password = "another password" }), r => mailboxes.Create(r, "acme")), "CreateMailbox", 409);

        // One stored message, so usage and the clean-up of blobs can be seen.
        var directory = host.Services.GetRequiredService<MailDirectory>();
        var index = host.Services.GetRequiredService<MailboxIndex>();
        var messages = host.Services.GetRequiredService<MessageStore>();
        var aliceRecord = (await directory.GetMailboxAsync(MailAddress.Parse("alice@acme.test")))!;
        var blobName = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        var content = Encoding.ASCII.GetBytes("From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n");
        await using (var writer = messages.CreateWriter(blobName))
        {
            await writer.WriteAsync(content);
            await writer.CommitAsync();
        }
        await index.AppendAsync(aliceRecord.MailboxId, SpecialUse.InboxId, new NewMessage { BlobName = blobName, Size = content.Length, InternalDate = DateTimeOffset.UtcNow });

        var aliceRead = Expect(await Send(Request("GET", firstKey), r => mailboxes.Get(r, "acme", "alice@acme.test")), "GetMailbox", 200);
        Assert.Equal((1L, (long)content.Length), (aliceRead.Body.GetProperty("usage").GetProperty("messages").GetInt64(), aliceRead.Body.GetProperty("usage").GetProperty("bytes").GetInt64()));

        var patched = Expect(await Send(Request("PATCH", firstKey, new { displayName = "Alice A.", quotaBytes = 2_000_000, enabled = false }),
            r => mailboxes.Update(r, "acme", "ALICE@acme.test")), "UpdateMailbox", 200);
        Assert.Equal(("Alice A.", 2_000_000L, false), (patched.Str("displayName"), patched.Body.GetProperty("quotaBytes").GetInt64(), patched.Body.GetProperty("enabled").GetBoolean()));
        Expect(await Send(Request("PATCH", firstKey, new { }), r => mailboxes.Update(r, "acme", "alice@acme.test")), "UpdateMailbox", 400);
        Expect(await Send(Request("PATCH", firstKey, new { enabled = true }), r => mailboxes.Update(r, "acme", "alice@acme.test")), "UpdateMailbox", 200);
        Expect(await Send(Request("PUT", firstKey, new { password = "a brand new password" }), r => mailboxes.SetPassword(r, "acme", "alice@acme.test")), "SetMailboxPassword", 204);
        var login = host.Services.GetRequiredService<LoginVerifier>();
        Assert.True((await login.VerifyAsync("alice@acme.test", "a brand new password", "192.0.2.99")).Succeeded);
        Assert.False((await login.VerifyAsync("alice@acme.test", "correct horse battery", "192.0.2.99")).Succeeded);

        var page1 = Expect(await Send(Request("GET", firstKey, query: "?limit=2"), r => mailboxes.List(r, "acme")), "ListMailboxes", 200);
        Assert.Equal(["alice@acme.test", "bob@acme.test"], page1.Body.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("address").GetString()));
        var token = page1.Str("continuationToken");
        var page2 = Expect(await Send(Request("GET", firstKey, query: "?limit=2&continuationToken=" + Uri.EscapeDataString(token)), r => mailboxes.List(r, "acme")), "ListMailboxes", 200);
        Assert.Equal(["jörg@xn--bcher-kva.test"], page2.Body.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("address").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, page2.Body.GetProperty("continuationToken").ValueKind);

        // ---- alias and catch-all ----
        var team = Expect(await Send(Request("POST", firstKey, new { address = "team@acme.test", targets = new List<string> { "alice@acme.test", "Bob@acme.test", "Carol@Elsewhere.example", "alice@ACME.test" } }),
            r => aliases.Create(r, "acme")), "CreateAlias", 201);
        Assert.Equal(("team@acme.test", false), (team.Str("address"), team.Body.GetProperty("catchAll").GetBoolean()));
        Assert.Equal(["alice@acme.test", "bob@acme.test", "Carol@elsewhere.example"], team.Body.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        var catchAll = Expect(await Send(Request("POST", firstKey, new { address = "@acme.test", targets = new List<string> { "bob@acme.test" } }), r => aliases.Create(r, "acme")), "CreateAlias", 201);
        Assert.Equal(("@acme.test", true), (catchAll.Str("address"), catchAll.Body.GetProperty("catchAll").GetBoolean()));
        Expect(await Send(Request("POST", firstKey, new { address = "bob@acme.test", targets = new List<string> { "alice@acme.test" } }), r => aliases.Create(r, "acme")), "CreateAlias", 409);

        var resolver = host.Services.GetRequiredService<RecipientResolver>();
        var toTeam = await resolver.ResolveAsync(MailAddress.Parse("team@acme.test"));
        Assert.Equal(2, toTeam.Mailboxes.Count);
        Assert.Equal(["Carol@elsewhere.example"], toTeam.ExternalTargets);
        var toNobody = await resolver.ResolveAsync(MailAddress.Parse("nobody@acme.test"));
        Assert.Equal("bob@acme.test", Assert.Single(toNobody.Mailboxes).Address);

        Expect(await Send(Request("GET", firstKey), r => aliases.Get(r, "acme", "@acme.test")), "GetAlias", 200);
        var aliasList = Expect(await Send(Request("GET", firstKey), r => aliases.List(r, "acme")), "ListAliases", 200);
        Assert.Equal(["@acme.test", "team@acme.test"], aliasList.Body.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("address").GetString()));

        // ---- key rotation: issue a new key, switch to it, revoke the old one ----
        var second = Expect(await Send(Request("POST", firstKey), r => keys.Create(r, "acme")), "CreateApiKey", 201);
        var secondKey = second.Str("apiKey");
        Assert.NotEqual(firstKey, secondKey);
        var keyList = Expect(await Send(Request("GET", secondKey), r => keys.List(r, "acme")), "ListApiKeys", 200);
        Assert.Equal([firstKeyId, second.Str("keyId")], keyList.Body.GetProperty("items").EnumerateArray().Select(k => k.GetProperty("keyId").GetString()));
        Assert.DoesNotContain("apiKey", keyList.Body.ToString(), StringComparison.Ordinal);
        Expect(await Send(Request("DELETE", secondKey), r => keys.Delete(r, "acme", firstKeyId)), "DeleteApiKey", 204);
        Expect(await Send(Request("DELETE", secondKey), r => keys.Delete(r, "acme", firstKeyId)), "DeleteApiKey", 404);
        Expect(await Send(Request("GET", firstKey), r => tenants.Get(r, "acme")), "GetTenant", 401);
        Expect(await Send(Request("GET", secondKey), r => tenants.Get(r, "acme")), "GetTenant", 200);

        // ---- deletes ----
        Expect(await Send(Request("DELETE", secondKey), r => aliases.Delete(r, "acme", "team@acme.test")), "DeleteAlias", 204);
        Expect(await Send(Request("GET", secondKey), r => aliases.Get(r, "acme", "team@acme.test")), "GetAlias", 404);
        Expect(await Send(Request("DELETE", secondKey), r => aliases.Delete(r, "acme", "@acme.test")), "DeleteAlias", 204);
        Assert.False((await resolver.ResolveAsync(MailAddress.Parse("nobody@acme.test"))).Deliverable);

        var conflict = Expect(await Send(Request("DELETE", secondKey), r => domains.Delete(r, "acme", "acme.test")), "DeleteDomain", 409);
        Assert.Contains("mailboxes", conflict.Str("detail"), StringComparison.Ordinal);

        Expect(await Send(Request("DELETE", secondKey), r => mailboxes.Delete(r, "acme", "alice@acme.test")), "DeleteMailbox", 204);
        Expect(await Send(Request("GET", secondKey), r => mailboxes.Get(r, "acme", "alice@acme.test")), "GetMailbox", 404);
        Assert.False(await index.MailboxExistsAsync(aliceRecord.MailboxId));
        Assert.False(await messages.ExistsAsync(blobName));

        var idnKeys = await ListKeyBlobs(storage, "dkim/xn--bcher-kva.test/");
        Assert.Single(idnKeys);
        Expect(await Send(Request("DELETE", secondKey, query: "?force=true"), r => domains.Delete(r, "acme", "bücher.test")), "DeleteDomain", 204);
        Expect(await Send(Request("GET", secondKey), r => domains.Get(r, "acme", "xn--bcher-kva.test")), "GetDomain", 404);
        Expect(await Send(Request("GET", secondKey), r => mailboxes.Get(r, "acme", "jörg@bücher.test")), "GetMailbox", 404);
        Assert.Empty(await ListKeyBlobs(storage, "dkim/xn--bcher-kva.test/"));

        Expect(await Send(Request("DELETE", secondKey), r => tenants.Delete(r, "acme")), "DeleteTenant", 403);
        Expect(await Send(Request("DELETE", AdminKey), r => tenants.Delete(r, "acme")), "DeleteTenant", 409);
        Expect(await Send(Request("DELETE", AdminKey, query: "?force=true"), r => tenants.Delete(r, "acme")), "DeleteTenant", 204);
        Expect(await Send(Request("GET", AdminKey), r => tenants.Get(r, "acme")), "GetTenant", 404);
        Expect(await Send(Request("GET", secondKey), r => tenants.Get(r, "acme")), "GetTenant", 401);
        Assert.Null(await directory.GetMailboxAsync(MailAddress.Parse("bob@acme.test")));
        Assert.Null(await directory.GetDomainAsync("acme.test"));
        Assert.Empty(await ListKeyBlobs(storage, "dkim/"));
    }

    private static async Task<List<string>> ListKeyBlobs(MailStorage storage, string prefix)
    {
        var names = new List<string>();
        await foreach (BlobItem b in storage.Keys.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix }))
        {
            names.Add(b.Name);
        }
        return names;
    }
}

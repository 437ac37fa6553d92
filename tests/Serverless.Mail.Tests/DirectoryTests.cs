using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests;

public sealed class DirectoryTests
{
    [Fact]
    public async Task Tenant_domain_mailbox_alias_catch_all_and_key_lifecycle()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var index = sp.GetRequiredService<MailboxIndex>();

        var tenant = await dir.CreateTenantAsync("acme", "Acme Corp");
        Assert.Equal("Acme Corp", (await dir.GetTenantAsync("acme"))!.DisplayName);
        await Assert.ThrowsAsync<DirectoryConflictException>(() => dir.CreateTenantAsync("acme", "again"));
        await dir.CreateTenantAsync("other", "Other");
        Assert.Equal(["acme", "other"], (await dir.ListTenantsAsync()).Select(t => t.Id).Order());

        await dir.AddDomainAsync("acme", "acme.test", "sel1");
        await Assert.ThrowsAsync<DirectoryConflictException>(() => dir.AddDomainAsync("other", "acme.test", null));
        Assert.Null(await dir.GetDomainAsync("other", "acme.test"));
        Assert.Equal("acme", (await dir.GetDomainAsync("acme.test"))!.TenantId);
        Assert.Single(await dir.ListDomainsAsync("acme"));
        Assert.Empty(await dir.ListDomainsAsync("other"));

        var alice = await dir.CreateMailboxAsync("acme", MailAddress.Parse("Alice@ACME.test"), "correct horse battery", "Alice", 1_000_000);
        Assert.Equal("alice@acme.test", alice.Address);
        Assert.DoesNotContain("correct horse", alice.PasswordHash, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DirectoryConflictException>(() => dir.CreateMailboxAsync("acme", MailAddress.Parse("alice@acme.test"), "x-password-1", null, 0));
        var folders = await index.ListFoldersAsync(alice.MailboxId);
        Assert.Equal(["INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"], folders.Select(f => f.Name));
        Assert.Equal([null, "\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"], folders.Select(f => f.SpecialUse));

        var read = await dir.GetMailboxAsync(MailAddress.Parse("ALICE@acme.test"));
        Assert.Equal(alice.MailboxId, read!.MailboxId);
        Assert.Null(await dir.GetMailboxAsync("other", MailAddress.Parse("alice@acme.test")));

        var updated = await dir.UpdateMailboxAsync("acme", MailAddress.Parse("alice@acme.test"), "Alice A.", 2_000_000, enabled: false);
        Assert.Equal(("Alice A.", 2_000_000L, false), (updated!.DisplayName, updated.QuotaBytes, updated.Enabled));
        Assert.Null(await dir.UpdateMailboxAsync("other", MailAddress.Parse("alice@acme.test"), "x", null, null));

        await dir.CreateMailboxAsync("acme", MailAddress.Parse("bob@acme.test"), "bob's password", null, 0);
        await dir.CreateAliasAsync("acme", "acme.test", "team", ["alice@acme.test", "bob@acme.test", "carol@elsewhere.test"]);
        await dir.CreateAliasAsync("acme", "acme.test", null, ["bob@acme.test"]);
        var team = await dir.GetAliasAsync("acme", "acme.test", "team");
        Assert.Equal(3, team!.Targets.Count);
        Assert.True((await dir.GetCatchAllAsync("acme.test"))!.IsCatchAll);
        Assert.Null(await dir.GetAliasAsync("other", "acme.test", "team"));

        var (page, _) = await dir.ListAddressesAsync("acme.test", null, 100);
        Assert.Equal(4, page.Count); // alice, bob, team, catch-all

        var (key, plaintext) = await dir.CreateApiKeyAsync("acme");
        Assert.Equal("acme", await dir.VerifyApiKeyAsync(plaintext));
        Assert.Null(await dir.VerifyApiKeyAsync(plaintext + "x"));
        Assert.Null(await dir.VerifyApiKeyAsync("smk_0000000000000000_nope"));
        Assert.False(await dir.DeleteApiKeyAsync("other", key.KeyId));
        Assert.True(await dir.DeleteApiKeyAsync("acme", key.KeyId));
        Assert.Null(await dir.VerifyApiKeyAsync(plaintext));

        Assert.True(await dir.DeleteAliasAsync("acme", "acme.test", "team"));
        Assert.True(await dir.DeleteMailboxAsync("acme", MailAddress.Parse("alice@acme.test")));
        Assert.Null(await dir.GetMailboxAsync(MailAddress.Parse("alice@acme.test")));
        Assert.False(await index.MailboxExistsAsync(alice.MailboxId));
        Assert.Empty(await index.ListFoldersAsync(alice.MailboxId));
        Assert.False(await dir.DeleteDomainAsync("other", "acme.test"));
        Assert.True(await dir.DeleteDomainAsync("acme", "acme.test"));
        Assert.True(await dir.DeleteTenantAsync(tenant.Id));
        Assert.Null(await dir.GetTenantAsync("acme"));
    }

    [Fact]
    public async Task Recipients_resolve_through_aliases_and_catch_all_without_loops()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var resolver = sp.GetRequiredService<RecipientResolver>();
        await dir.CreateTenantAsync("t1", "T1");
        await dir.AddDomainAsync("t1", "one.test", null);
        var a = await dir.CreateMailboxAsync("t1", MailAddress.Parse("a@one.test"), "password-a", null, 0);
        var b = await dir.CreateMailboxAsync("t1", MailAddress.Parse("b@one.test"), "password-b", null, 0);
        await dir.CreateAliasAsync("t1", "one.test", "both", ["a@one.test", "b@one.test", "loop@one.test", "x@remote.test"]);
        await dir.CreateAliasAsync("t1", "one.test", "loop", ["both@one.test", "a@one.test"]);

        var both = await resolver.ResolveAsync(MailAddress.Parse("both@one.test"));
        Assert.True(both.Hosted);
        Assert.Equal(new[] { a.MailboxId, b.MailboxId }.Order(), both.Mailboxes.Select(m => m.MailboxId).Order());
        Assert.Equal(["x@remote.test"], both.ExternalTargets);

        var unknown = await resolver.ResolveAsync(MailAddress.Parse("nobody@one.test"));
        Assert.True(unknown.Hosted);
        Assert.False(unknown.Deliverable);

        await dir.CreateAliasAsync("t1", "one.test", null, ["b@one.test"]);
        var caught = await resolver.ResolveAsync(MailAddress.Parse("nobody@one.test"));
        Assert.Equal(b.MailboxId, Assert.Single(caught.Mailboxes).MailboxId);

        var foreign = await resolver.ResolveAsync(MailAddress.Parse("x@remote.test"));
        Assert.False(foreign.Hosted);
    }

    [Fact]
    public async Task Postmaster_reaches_the_first_enabled_mailbox_unless_the_domain_defines_one()
    {
        await using var sp = await TestStorage.CreateServicesAsync();
        var dir = sp.GetRequiredService<MailDirectory>();
        var resolver = sp.GetRequiredService<RecipientResolver>();
        await dir.CreateTenantAsync("t1", "T1");
        await dir.AddDomainAsync("t1", "pm.test", null);
        var postmaster = MailAddress.Parse("PostMaster@pm.test");

        Assert.False((await resolver.ResolveAsync(postmaster)).Deliverable); // nobody there yet

        var bob = await dir.CreateMailboxAsync("t1", MailAddress.Parse("bob@pm.test"), "password-bob", null, 0);
        var alice = await dir.CreateMailboxAsync("t1", MailAddress.Parse("alice@pm.test"), "password-alice", null, 0);
        Assert.Equal(alice.MailboxId, Assert.Single((await resolver.ResolveAsync(postmaster)).Mailboxes).MailboxId);
        Assert.False((await resolver.ResolveAsync(MailAddress.Parse("nobody@pm.test"))).Deliverable); // only postmaster falls back

        await dir.UpdateMailboxAsync("t1", MailAddress.Parse("alice@pm.test"), null, null, enabled: false);
        Assert.Equal(bob.MailboxId, Assert.Single((await resolver.ResolveAsync(postmaster)).Mailboxes).MailboxId);

        await dir.CreateAliasAsync("t1", "pm.test", "postmaster", ["x@remote.test"]);
        var aliased = await resolver.ResolveAsync(postmaster);
        Assert.Empty(aliased.Mailboxes);
        Assert.Equal(["x@remote.test"], aliased.ExternalTargets);
    }

    [Theory]
    [InlineData("user@Example.COM", "user", "example.com")]
    [InlineData("Üser@bücher.example", "üser", "xn--bcher-kva.example")]
    [InlineData("a/b#c?d%e@x.test", "a/b#c?d%e", "x.test")]
    [InlineData("Jo\u0308rg@Jo\u0308rg.example", "j\u00f6rg", "xn--jrg-sna.example")] // decomposed = precomposed (NFC)
    public void Addresses_normalize_for_lookup(string text, string local, string domain)
    {
        Assert.True(MailAddress.TryParse(text, out var a));
        Assert.Equal((local, domain), (a.LocalPart, a.Domain));
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("@x.test")]
    [InlineData("user@")]
    [InlineData("user@nodot")]
    [InlineData("us\ter@x.test")]
    public void Invalid_addresses_are_refused(string text) => Assert.False(MailAddress.TryParse(text, out _));
}

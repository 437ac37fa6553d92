using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Mail.Accounts;
using Serverless.Mail.Hosting;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Dkim;
using Serverless.Mail.Storage;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Provisioning;

public sealed class ProvisioningCoreTests
{
    /// <summary>Core and provisioning services on fresh storage.</summary>
    private static async Task<ServiceProvider> ServicesAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = await TestStorage.SettingsAsync();
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddServerlessMail(configuration);
        services.AddMailProvisioning(configuration);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<MailStorage>().EnsureCreatedAsync();
        return provider;
    }

    [Fact]
    public async Task A_domain_that_cannot_be_added_leaves_no_dkim_key_behind()
    {
        await using var sp = await ServicesAsync();
        var storage = sp.GetRequiredService<MailStorage>();
        var directory = sp.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("one", "One");
        await directory.CreateTenantAsync("two", "Two");
        // The failing store: the domain row is taken between the check and the insert (a race with another request).
        var racing = new RacingKeyStore(new BlobDkimPrivateKeyStore(storage), () => directory.AddDomainAsync("two", "raced.test", "other"));
        var domains = new HostedDomains(directory, new DkimKeyStore(racing), sp.GetRequiredService<MailboxRemoval>(), NullLogger<HostedDomains>.Instance);

        await Assert.ThrowsAsync<DirectoryConflictException>(() => domains.AddAsync("one", "raced.test", verified: true));
        Assert.Equal("two", (await directory.GetDomainAsync("raced.test"))!.TenantId);
        Assert.Single(racing.Saved);
        Assert.Empty(await KeyBlobs(storage));

        var (record, key) = await domains.AddAsync("one", "fine.test", verified: true);
        Assert.Equal(key.Selector, record.DkimSelector);
        Assert.Equal([BlobDkimPrivateKeyStore.BlobName("fine.test", key.Selector)], await KeyBlobs(storage));
        await Assert.ThrowsAsync<DirectoryConflictException>(() => domains.AddAsync("two", "fine.test", verified: true));
        Assert.Single(await KeyBlobs(storage));
    }

    [Fact]
    public async Task Tenant_listing_pages_across_domains_without_skipping_or_repeating()
    {
        await using var sp = await ServicesAsync();
        var directory = sp.GetRequiredService<MailDirectory>();
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.CreateTenantAsync("other", "Other");
        foreach (var d in new[] { "b.test", "a.test", "c.test" })
        {
            await directory.AddDomainAsync("acme", d, null);
        }
        await directory.AddDomainAsync("other", "aa.test", null);
        var expected = new List<string>();
        foreach (var (d, n) in new[] { ("a.test", 3), ("b.test", 0), ("c.test", 2) })
        {
            for (var i = 0; i < n; i++)
            {
                await directory.CreateMailboxAsync("acme", MailAddress.Parse($"u{i}@{d}"), "password-123", null, 0);
                expected.Add($"u{i}@{d}");
            }
        }
        await directory.CreateAliasAsync("acme", "a.test", "alias", ["u0@a.test"]);
        await directory.CreateMailboxAsync("other", MailAddress.Parse("x@aa.test"), "password-123", null, 0);

        foreach (var pageSize in new[] { 1, 2, 3, 5, 100 })
        {
            var seen = new List<string>();
            string? token = null;
            var pages = 0;
            do
            {
                var (items, next) = await directory.ListTenantAddressesAsync("acme", AddressKind.Mailbox, null, token, pageSize);
                Assert.True(items.Count <= pageSize);
                seen.AddRange(items.Cast<AddressEntry.Mailbox>().Select(m => m.Record.Address));
                token = next;
                Assert.True(++pages <= 10, "paging does not end");
            }
            while (token is not null);
            Assert.Equal(expected, seen);
        }
        var (aliases, _) = await directory.ListTenantAddressesAsync("acme", AddressKind.Alias, null, null, 10);
        Assert.Equal("alias@a.test", Assert.Single(aliases.Cast<AddressEntry.Alias>()).Record.Address);
        var (onlyC, _) = await directory.ListTenantAddressesAsync("acme", AddressKind.Mailbox, "c.test", null, 10);
        Assert.Equal(2, onlyC.Count);
        Assert.True(await directory.HasMailboxesAsync("a.test"));
        Assert.False(await directory.HasMailboxesAsync("b.test"));
        await Assert.ThrowsAsync<FormatException>(() => directory.ListTenantAddressesAsync("acme", AddressKind.Mailbox, null, "not-a-token", 10));
    }

    [Fact]
    public async Task Large_mailboxes_are_emptied_by_the_idempotent_queue_consumer_and_live_ones_never()
    {
        await using var sp = await ServicesAsync(new() { ["Mail:Provisioning:InlineDeleteMaxMessages"] = "2", ["Mail:Provisioning:DeletionQueueDelay"] = "00:00:00" });
        var directory = sp.GetRequiredService<MailDirectory>();
        var index = sp.GetRequiredService<MailboxIndex>();
        var messages = sp.GetRequiredService<MessageStore>();
        var removal = sp.GetRequiredService<MailboxRemoval>();
        var queue = sp.GetRequiredService<MailStorage>().Queue(StorageNames.MailboxDeletionQueue);
        await directory.CreateTenantAsync("acme", "Acme");
        await directory.AddDomainAsync("acme", "acme.test", null);
        var big = await directory.CreateMailboxAsync("acme", MailAddress.Parse("big@acme.test"), "password-123", null, 0);
        var blobs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
            await using (var w = messages.CreateWriter(name))
            {
                await w.WriteAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray());
                await w.CommitAsync();
            }
            await index.AppendAsync(big.MailboxId, SpecialUse.InboxId, new NewMessage { BlobName = name, Size = 19, InternalDate = DateTimeOffset.UtcNow });
            blobs.Add(name);
        }

        // A message for a mailbox that is still live is refused (retried later), and nothing is deleted.
        var live = new MailboxDeletionMessage { MailboxId = big.MailboxId, Address = big.Address, Tenant = "acme" };
        await Assert.ThrowsAsync<InvalidOperationException>(() => removal.PurgeAsync(live));
        Assert.Equal(3, (await index.GetUsageAsync(big.MailboxId))!.Messages);

        var record = (await directory.GetMailboxAsync(MailAddress.Parse("big@acme.test")))!;
        Assert.Equal(MailboxRemovalOutcome.RemovingInBackground, await removal.RemoveAsync(record, allowInline: true));
        Assert.Null(await directory.GetMailboxAsync(MailAddress.Parse("big@acme.test")));
        Assert.True(await index.MailboxExistsAsync(big.MailboxId));

        // The queued message (delayed as a safety net) is what the function gets.
        var body = await ReceiveAsync(queue);
        var message = MailboxRemoval.Parse(body);
        Assert.Equal((big.MailboxId, "big@acme.test", "acme"), (message.MailboxId, message.Address, message.Tenant));
        await removal.PurgeAsync(message);
        await removal.PurgeAsync(message); // a redelivery finds nothing left to do
        Assert.False(await index.MailboxExistsAsync(big.MailboxId));
        foreach (var b in blobs)
        {
            Assert.False(await messages.ExistsAsync(b));
        }

        // The same address created again is a new mailbox: an old message must not touch it.
        var again = await directory.CreateMailboxAsync("acme", MailAddress.Parse("big@acme.test"), "password-123", null, 0);
        await removal.PurgeAsync(message);
        Assert.True(await index.MailboxExistsAsync(again.MailboxId));
        Assert.Throws<FormatException>(() => MailboxRemoval.Parse("""{"v":2,"mailboxId":"x","address":"a@b.test","tenant":"t"}"""));
    }

    private static async Task<string> ReceiveAsync(Azure.Storage.Queues.QueueClient queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var got = (await queue.ReceiveMessagesAsync(1)).Value;
            if (got.Length == 1)
            {
                return got[0].Body.ToString();
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("No mailbox-deletion message arrived.");
    }

    private static async Task<List<string>> KeyBlobs(MailStorage storage)
    {
        var list = new List<string>();
        await foreach (BlobItem b in storage.Keys.GetBlobsAsync())
        {
            list.Add(b.Name);
        }
        return list;
    }

    /// <summary>Stores keys normally, but lets a competing request take the domain right after the key is saved.</summary>
    private sealed class RacingKeyStore(IDkimPrivateKeyStore inner, Func<Task> race) : IDkimPrivateKeyStore
    {
        public List<string> Saved { get; } = [];

        public async Task SaveAsync(string domain, string selector, string privateKeyPem, CancellationToken cancellationToken = default)
        {
            await inner.SaveAsync(domain, selector, privateKeyPem, cancellationToken);
            Saved.Add(selector);
            if (Saved.Count == 1)
            {
                await race();
            }
        }

        public Task<string?> LoadAsync(string domain, string selector, CancellationToken cancellationToken = default) => inner.LoadAsync(domain, selector, cancellationToken);

        public Task DeleteAsync(string domain, string selector, CancellationToken cancellationToken = default) => inner.DeleteAsync(domain, selector, cancellationToken);
    }
}

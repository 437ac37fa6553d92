using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Functions.Timers;
using Serverless.Mail.Accounts;
using Serverless.Mail.Spam.Bayes;
using Serverless.Mail.Storage;
using Serverless.Mail.Usage;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>Issue 21: rows other tables keep about a deleted mailbox go with it, and old usage rows go after their retention.</summary>
public sealed class LeftoverPurgeTests
{
    [Theory]
    [InlineData(false)] // emptied inline by the DELETE
    [InlineData(true)] // emptied by the mailbox-deletion queue function
    public async Task Deleting_a_mailbox_deletes_its_import_rows_and_its_spam_model_and_learnt_rows_but_not_the_tenants_base(bool background)
    {
        await using var host = await StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Provisioning:InlineDeleteMaxMessages"] = background ? "-1" : "1000",
            ["Mail:Provisioning:DeletionQueueDelay"] = "00:00:00",
        });
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201);
        Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        var mailboxes = host.Function<MailboxesFunction>();
        foreach (var address in new[] { "gone@acme.test", "stays@acme.test" })
        {
            Expect(await Send(Request("POST", AdminKey, new { address, password = "long enough password" }), r => mailboxes.Create(r, "acme")), "CreateMailbox", 201);
        }
        var directory = host.Services.GetRequiredService<MailDirectory>();
        var gone = (await directory.GetMailboxAsync(MailAddress.Parse("gone@acme.test")))!.MailboxId;
        var stays = (await directory.GetMailboxAsync(MailAddress.Parse("stays@acme.test")))!.MailboxId;
        var storage = host.Services.GetRequiredService<MailStorage>();
        var imports = storage.Table(StorageNames.ImportsTable);
        var tokens = host.Services.GetRequiredService<TokenModelStore>();
        foreach (var id in new[] { gone, stays })
        {
            await imports.AddEntityAsync(new TableEntity(id, "job|1") { ["Status"] = "completed" });
            await imports.AddEntityAsync(new TableEntity(id, "src|abc|INBOX") { ["LastUid"] = 7L });
            await tokens.LearnAsync("acme", id, "2026/12/03/blob-" + id, [1u, 2u, 3u], spam: true, CancellationToken.None);
        }

        Expect(await Send(Request("DELETE", AdminKey), r => mailboxes.Delete(r, "acme", "gone@acme.test")), "DeleteMailbox", background ? 202 : 204);
        if (background)
        {
            var queue = storage.Queue(StorageNames.MailboxDeletionQueue);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            Azure.Storage.Queues.Models.QueueMessage[] received = [];
            while (received.Length == 0 && DateTime.UtcNow < deadline)
            {
                received = (await queue.ReceiveMessagesAsync(1)).Value;
            }
            await host.Function<MailboxDeletionFunction>().Run(Assert.Single(received).Body.ToString(), CancellationToken.None);
        }

        Assert.Empty(await RowsAsync(imports, gone));
        Assert.Equal(2, (await RowsAsync(imports, stays)).Count);
        var spamRows = (await RowsAsync(tokens.Table, TokenModelStore.Partition("acme"))).Select(e => e.RowKey).ToList();
        Assert.DoesNotContain(spamRows, k => k.Contains(gone, StringComparison.Ordinal));
        Assert.Contains(TokenModelStore.MailboxRowKey(stays), spamRows);
        Assert.Contains(spamRows, k => k.StartsWith("learnt|", StringComparison.Ordinal) && k.Contains(stays, StringComparison.Ordinal));
        Assert.Contains(TokenModelStore.BaseRowKey, spamRows);
    }

    [Fact]
    public async Task The_daily_upkeep_deletes_usage_rows_older_than_the_retention()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Mail:Usage:Retention"] = "30.00:00:00" });
        var usage = host.Services.GetRequiredService<UsageStore>();
        var now = DateTimeOffset.UtcNow;
        var totals = new MessageTotals(1, 100, 0, 0);
        foreach (var (tenant, age) in new[] { ("acme", 45), ("acme", 29), ("acme", 0), ("other", 31) })
        {
            await usage.AddAsync(tenant, now.AddDays(-age), totals, new Dictionary<string, long>());
        }

        await host.Function<IndexUpkeepFunction>().RunAsync(CancellationToken.None);

        Assert.Equal(2, (await usage.ReadAsync("acme", now.AddDays(-60), now.AddHours(1))).Count);
        Assert.Empty(await usage.ReadAsync("other", now.AddDays(-60), now.AddHours(1)));
    }

    private static async Task<List<TableEntity>> RowsAsync(TableClient table, string partition)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
        {
            rows.Add(e);
        }
        return rows;
    }
}

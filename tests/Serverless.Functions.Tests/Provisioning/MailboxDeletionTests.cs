using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Storage;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

public sealed class MailboxDeletionTests
{
    [Fact]
    public async Task A_large_mailbox_answers_202_and_the_queue_function_removes_its_contents()
    {
        await using var host = await StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Provisioning:InlineDeleteMaxMessages"] = "0",
            ["Mail:Provisioning:DeletionQueueDelay"] = "00:00:00",
        });
        var tenants = host.Function<TenantsFunction>();
        var domains = host.Function<DomainsFunction>();
        var mailboxes = host.Function<MailboxesFunction>();
        Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201);
        Expect(await Send(Request("POST", AdminKey, new { name = "acme.test" }), r => domains.Create(r, "acme")), "CreateDomain", 201);
        Expect(await Send(Request("POST", AdminKey, new { address = "big@acme.test", password = "long enough password" }), r => mailboxes.Create(r, "acme")), "CreateMailbox", 201);
        var record = (await host.Services.GetRequiredService<MailDirectory>().GetMailboxAsync(MailAddress.Parse("big@acme.test")))!;
        var messages = host.Services.GetRequiredService<MessageStore>();
        var index = host.Services.GetRequiredService<MailboxIndex>();
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var w = messages.CreateWriter(blob))
        {
            await w.WriteAsync(Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n"));
            await w.CommitAsync();
        }
        await index.AppendAsync(record.MailboxId, SpecialUse.InboxId, new NewMessage { BlobName = blob, Size = 19, InternalDate = DateTimeOffset.UtcNow });

        var accepted = Expect(await Send(Request("DELETE", AdminKey), r => mailboxes.Delete(r, "acme", "big@acme.test")), "DeleteMailbox", 202);
        Assert.Equal(("big@acme.test", "removing"), (accepted.Str("address"), accepted.Str("status")));
        Expect(await Send(Request("GET", AdminKey), r => mailboxes.Get(r, "acme", "big@acme.test")), "GetMailbox", 404);
        Assert.True(await index.MailboxExistsAsync(record.MailboxId));

        // The queue-triggered function, called with the message as the Functions host would deliver it.
        var queue = host.Services.GetRequiredService<MailStorage>().Queue(StorageNames.MailboxDeletionQueue);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Azure.Storage.Queues.Models.QueueMessage[] received = [];
        while (received.Length == 0 && DateTime.UtcNow < deadline)
        {
            received = (await queue.ReceiveMessagesAsync(1)).Value;
            if (received.Length == 0)
            {
                await Task.Delay(100);
            }
        }
        var function = host.Function<MailboxDeletionFunction>();
        await function.Run(Assert.Single(received).Body.ToString(), CancellationToken.None);
        Assert.False(await index.MailboxExistsAsync(record.MailboxId));
        Assert.False(await messages.ExistsAsync(blob));
    }
}

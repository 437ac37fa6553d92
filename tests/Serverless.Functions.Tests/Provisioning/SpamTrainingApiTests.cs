using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Spam.Bayes;
using Serverless.Mail.Storage;
using Xunit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>POST /api/tenants/{t}/mailboxes/{address}/spam-training: checked, queued (202), and learnt by the SpamLearning function.</summary>
public sealed class SpamTrainingApiTests
{
    [Fact]
    public async Task Training_is_queued_per_folder_and_learnt_by_the_queue_function()
    {
        await using var host = await StartAsync();
        var tenants = host.Function<TenantsFunction>();
        var acme = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        var globex = Expect(await Send(Request("POST", AdminKey, new { id = "globex" }), tenants.Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", acme, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        Expect(await Send(Request("POST", acme, new { address = "pop@acme.test", password = "long enough password" }), r => host.Function<MailboxesFunction>().Create(r, "acme")), "CreateMailbox", 201);
        var mailbox = (await host.Services.GetRequiredService<MailDirectory>().GetMailboxAsync(MailAddress.Parse("pop@acme.test")))!;
        var index = host.Services.GetRequiredService<MailboxIndex>();
        var uid = await DeliverAsync(host, mailbox.MailboxId, "From: win@lottery.example\r\nSubject: You won\r\n\r\nClaim your lottery prize now.\r\n");
        var inbox = (await index.GetFolderAsync(mailbox.MailboxId, SpecialUse.InboxId))!;
        var training = host.Function<SpamTrainingFunction>();

        // Bad input: problem details naming the field.
        var cases = new (object Body, string Field)[]
        {
            (new { messages = Array.Empty<object>(), verdict = "spam" }, "messages"),
            (new { messages = new[] { new { folder = "INBOX", uid = 1 } }, verdict = "maybe" }, "verdict"),
            (new { messages = new[] { new { folder = "Nowhere", uid = 1 } }, verdict = "spam" }, "messages.0.folder"),
            (new { messages = new object[] { new { folder = "INBOX", uid = 1 }, new { folder = "INBOX", uid = 1, uidValidity = inbox.UidValidity + 1 } }, verdict = "spam" }, "messages.1.uidValidity"),
            (new { messages = new[] { new { folder = "INBOX", uid = 0 } }, verdict = "spam" }, "messages.0.uid"),
        };
        foreach (var (body, field) in cases)
        {
            var problem = Expect(await Send(Request("POST", acme, body), r => training.Train(r, "acme", "pop@acme.test")), "TrainSpam", 400);
            Assert.Equal(field, problem.Body.GetProperty("errors")[0].GetProperty("field").GetString());
        }
        var valid = new { messages = new object[] { new { folder = "INBOX", uid, uidValidity = inbox.UidValidity }, new { folder = "Junk", uid = 7L } }, verdict = "spam" };
        Expect(await Send(Request("POST", globex, valid), r => training.Train(r, "acme", "pop@acme.test")), "TrainSpam", 404);
        Expect(await Send(Request("POST", acme, valid), r => training.Train(r, "acme", "nobody@acme.test")), "TrainSpam", 404);
        Expect(await Send(Request("POST", null, valid), r => training.Train(r, "acme", "pop@acme.test")), "TrainSpam", 401);
        var queue = host.Services.GetRequiredService<MailStorage>().Queue(StorageNames.SpamLearningQueue);
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value); // nothing half-done by a refused request

        var accepted = Expect(await Send(Request("POST", acme, valid), r => training.Train(r, "acme", "pop@acme.test")), "TrainSpam", 202);
        Assert.Equal(("pop@acme.test", "spam", 2, 2), (accepted.Str("mailbox"), accepted.Str("verdict"), accepted.Body.GetProperty("messages").GetInt32(), accepted.Body.GetProperty("batches").GetInt32()));

        // The queue function learns the message that exists and skips the one that does not.
        var function = host.Function<SpamLearningFunction>();
        var received = (await queue.ReceiveMessagesAsync(32)).Value;
        Assert.Equal(2, received.Length);
        foreach (var m in received)
        {
            await function.Run(m.Body.ToString(), default);
        }
        var row = (await index.GetMessageAsync(mailbox.MailboxId, SpecialUse.InboxId, uid))!;
        var store = host.Services.GetRequiredService<TokenModelStore>();
        Assert.Equal("spam", await store.GetLearntVerdictAsync("acme", mailbox.MailboxId, row.BlobName, default));
        store.ForgetCached();
        Assert.Equal(1, (await store.GetAsync("acme", mailbox.MailboxId, default))!.SpamMessages);

        // Ham the same way, by the admin key; redelivery of the queue message changes nothing more.
        Expect(await Send(Request("POST", AdminKey, new { messages = new[] { new { folder = "inbox", uid } }, verdict = "ham" }), r => training.Train(r, "acme", "pop@acme.test")), "TrainSpam", 202);
        var ham = Assert.Single((await queue.ReceiveMessagesAsync(32)).Value);
        await function.Run(ham.Body.ToString(), default);
        await function.Run(ham.Body.ToString(), default);
        store.ForgetCached();
        var model = (await store.GetAsync("acme", mailbox.MailboxId, default))!;
        Assert.Equal((0, 1), (model.SpamMessages, model.HamMessages));

        // GET says what the models hold now (past the store's cache), for the mailbox and the tenant's base.
        var status = Expect(await Send(Request("GET", acme), r => training.Status(r, "acme", "pop@acme.test")), "GetSpamTraining", 200).Body;
        Assert.Equal((0, 1), (status.GetProperty("mailboxModel").GetProperty("spam").GetInt32(), status.GetProperty("mailboxModel").GetProperty("ham").GetInt32()));
        Assert.Equal(model.TokenCount, status.GetProperty("mailboxModel").GetProperty("tokens").GetInt32());
        Assert.Equal(1, status.GetProperty("tenantBase").GetProperty("ham").GetInt32());
        Assert.Equal((200, false), (status.GetProperty("trainedMinimum").GetInt32(), status.GetProperty("trained").GetBoolean()));
        Expect(await Send(Request("GET", globex), r => training.Status(r, "acme", "pop@acme.test")), "GetSpamTraining", 404);
        Expect(await Send(Request("GET", acme), r => training.Status(r, "acme", "nobody@acme.test")), "GetSpamTraining", 404);
    }

    private static async Task<long> DeliverAsync(ApiTestHost host, string mailboxId, string raw)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        var blob = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
        await using (var writer = host.Services.GetRequiredService<MessageStore>().CreateWriter(blob))
        {
            await writer.WriteAsync(bytes);
            await writer.CommitAsync();
        }
        var (summary, _) = await MessageSummaryBuilder.BuildAsync(new MemoryStream(bytes));
        var result = await host.Services.GetRequiredService<MailboxIndex>().AppendAsync(mailboxId, SpecialUse.InboxId, new NewMessage
        {
            BlobName = blob,
            Size = bytes.Length,
            InternalDate = DateTimeOffset.UtcNow,
            Flags = [],
            Summary = summary,
        });
        return result.Uid;
    }
}

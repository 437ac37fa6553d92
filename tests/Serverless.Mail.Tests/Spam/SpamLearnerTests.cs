using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Model;
using Serverless.Mail.Spam.Bayes;
using Serverless.Mail.Spam.Learning;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

/// <summary>
/// The learner on Azurite: requests that arrive together (queue workers run them in parallel) give
/// the model that learning them one after another gives, even when the token cap prunes on the way.
/// </summary>
public sealed class SpamLearnerTests
{
    [Fact]
    public async Task Requests_learnt_at_once_give_the_model_learnt_one_by_one_when_the_cap_prunes()
    {
        // A cap far below what twelve messages bring: pruning runs several times, so the model
        // depends on the order the messages were counted in.
        await using var sp = await TestStorage.CreateServicesAsync(extra: new Dictionary<string, string?>
        {
            ["Mail:Spam:Learning:MaxTokens"] = "60",
        });
        var learner = sp.GetRequiredService<SpamLearner>();
        var models = sp.GetRequiredService<TokenModelStore>();
        var together = await TrainingAsync(sp, "together" + Guid.NewGuid().ToString("N")[..8]);
        var oneByOne = await TrainingAsync(sp, "onebyone" + Guid.NewGuid().ToString("N")[..8]);

        await Task.WhenAll(together.Requests.Select(r => learner.LearnAsync(r, CancellationToken.None)));
        foreach (var r in oneByOne.Requests)
        {
            await learner.LearnAsync(r, CancellationToken.None);
        }

        models.ForgetCached();
        var a = (await models.GetAsync(together.Tenant, together.Mailbox, CancellationToken.None))!;
        var b = (await models.GetAsync(oneByOne.Tenant, oneByOne.Mailbox, CancellationToken.None))!;
        Assert.Equal((6, 6), (a.SpamMessages, a.HamMessages));
        Assert.InRange(a.TokenCount, 1, 60);
        Assert.Equal(b.Serialize(), a.Serialize());
        Assert.Equal(0, learner.TenantsLearning);
    }

    [Fact]
    public async Task A_request_learns_its_messages_in_uid_order_whatever_order_it_names_them()
    {
        await using var sp = await TestStorage.CreateServicesAsync(extra: new Dictionary<string, string?>
        {
            ["Mail:Spam:Learning:MaxTokens"] = "60",
        });
        var learner = sp.GetRequiredService<SpamLearner>();
        var models = sp.GetRequiredService<TokenModelStore>();
        var forward = await TrainingAsync(sp, "fwd" + Guid.NewGuid().ToString("N")[..8]);
        var backward = await TrainingAsync(sp, "bwd" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var r in forward.Requests)
        {
            await learner.LearnAsync(r, CancellationToken.None);
        }
        foreach (var r in backward.Requests)
        {
            await learner.LearnAsync(r with { Uids = [.. r.Uids.Reverse()] }, CancellationToken.None);
        }
        models.ForgetCached();
        var a = (await models.GetAsync(forward.Tenant, forward.Mailbox, CancellationToken.None))!;
        var b = (await models.GetAsync(backward.Tenant, backward.Mailbox, CancellationToken.None))!;
        Assert.Equal(a.Serialize(), b.Serialize());
    }

    /// <summary>
    /// A mailbox in a tenant of its own holding six spam and six ham messages of distinct words, and
    /// the requests that teach them: spam then ham, two messages a request (as IMAP moves would).
    /// </summary>
    private static async Task<(string Tenant, string Mailbox, List<SpamLearningRequest> Requests)> TrainingAsync(ServiceProvider sp, string tenant)
    {
        var index = sp.GetRequiredService<MailboxIndex>();
        var store = sp.GetRequiredService<MessageStore>();
        var mailbox = Guid.NewGuid().ToString("N");
        await index.CreateMailboxAsync(mailbox);
        var uids = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            var spam = i < 6;
            // Words of their own per message, a few shared per class: rare tokens for the cap to prune.
            var words = string.Join(' ', Enumerable.Range(0, 8).Select(w => $"{(spam ? "offer" : "meeting")}{i}x{w}"));
            var body = $"Subject: {(spam ? "cheap pills" : "project notes")} {i}\r\nFrom: {(spam ? "sales@pills.example" : "colleague@work.example")}\r\n\r\n"
                + $"{(spam ? "discount pharmacy order today" : "agenda minutes review draft")} {words}\r\n";
            var name = MessageStore.NewBlobName(DateTimeOffset.UtcNow);
            await using (var w = store.CreateWriter(name))
            {
                await w.WriteAsync(Encoding.ASCII.GetBytes(body));
                await w.CommitAsync();
            }
            var appended = await index.AppendAsync(mailbox, SpecialUse.InboxId, new NewMessage { BlobName = name, Size = body.Length, InternalDate = DateTimeOffset.UtcNow });
            uids.Add(appended.Uid);
        }
        var requests = uids.Chunk(2).Select((chunk, k) => new SpamLearningRequest
        {
            TenantId = tenant,
            MailboxId = mailbox,
            Verdict = k < 3 ? SpamVerdicts.Spam : SpamVerdicts.Ham,
            FolderId = SpecialUse.InboxId,
            Uids = chunk,
        }).ToList();
        return (tenant, mailbox, requests);
    }
}

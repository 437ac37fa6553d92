using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Mail.Spam;
using Serverless.Mail.Spam.Bayes;
using Serverless.Testing;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

/// <summary>The spamtokens table on Azurite: counted once per message, moved on relearning, bounded, one transaction per learn.</summary>
public sealed class TokenModelStoreTests
{
    private static readonly uint[] Tokens = [11, 22, 33];

    private static Task<ServiceProvider> Services(int baseShare = 200, int maxTokens = 80_000) => TestStorage.CreateServicesAsync(extra: new Dictionary<string, string?>
    {
        ["Mail:Spam:Learning:BaseShareLimit"] = baseShare.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mail:Spam:Learning:MaxTokens"] = maxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>A second process: same storage, nothing cached.</summary>
    private static async Task<TokenCounts?> ReadFreshAsync(TokenModelStore store, string? mailbox)
    {
        store.ForgetCached();
        return await store.GetAsync("acme", mailbox, CancellationToken.None);
    }

    [Fact]
    public async Task A_message_learnt_twice_counts_once_and_the_other_verdict_moves_its_counts()
    {
        await using var sp = await Services();
        var store = sp.GetRequiredService<TokenModelStore>();
        Assert.Null(await store.GetAsync("acme", "mb1", CancellationToken.None));

        Assert.Equal(LearnOutcome.Learnt, await store.LearnAsync("acme", "mb1", "2026/12/03/a.eml", Tokens, spam: true, CancellationToken.None));
        Assert.Equal(LearnOutcome.AlreadyLearnt, await store.LearnAsync("acme", "mb1", "2026/12/03/a.eml", Tokens, spam: true, CancellationToken.None));
        var mailbox = (await ReadFreshAsync(store, "mb1"))!;
        var tenantBase = (await ReadFreshAsync(store, null))!;
        Assert.Equal((1, 0, (1, 0)), (mailbox.SpamMessages, mailbox.HamMessages, mailbox.Get(22)));
        Assert.Equal((1, 0, (1, 0)), (tenantBase.SpamMessages, tenantBase.HamMessages, tenantBase.Get(22)));
        Assert.Equal("spam", await store.GetLearntVerdictAsync("acme", "mb1", "2026/12/03/a.eml", CancellationToken.None));

        Assert.Equal(LearnOutcome.Learnt, await store.LearnAsync("acme", "mb1", "2026/12/03/a.eml", Tokens, spam: false, CancellationToken.None));
        mailbox = (await ReadFreshAsync(store, "mb1"))!;
        tenantBase = (await ReadFreshAsync(store, null))!;
        Assert.Equal((0, 1, (0, 1)), (mailbox.SpamMessages, mailbox.HamMessages, mailbox.Get(22)));
        Assert.Equal((0, 1, (0, 1)), (tenantBase.SpamMessages, tenantBase.HamMessages, tenantBase.Get(22)));

        // Another mailbox of the tenant adds to the same base, and to its own model only.
        await store.LearnAsync("acme", "mb2", "2026/12/03/a.eml", Tokens, spam: true, CancellationToken.None);
        tenantBase = (await ReadFreshAsync(store, null))!;
        Assert.Equal((1, 1, (1, 1)), (tenantBase.SpamMessages, tenantBase.HamMessages, tenantBase.Get(22)));
        Assert.Equal(0, (await ReadFreshAsync(store, "mb1"))!.SpamMessages);
    }

    [Fact]
    public async Task One_mailbox_teaches_the_tenant_base_only_up_to_its_share()
    {
        await using var sp = await Services(baseShare: 2);
        var store = sp.GetRequiredService<TokenModelStore>();
        for (var i = 0; i < 5; i++)
        {
            await store.LearnAsync("acme", "noisy", $"m{i}", Tokens, spam: true, CancellationToken.None);
        }
        Assert.Equal(5, (await ReadFreshAsync(store, "noisy"))!.SpamMessages);
        Assert.Equal(2, (await ReadFreshAsync(store, null))!.SpamMessages);

        // Unlearning a message that went into the base frees its share for the next one.
        await store.LearnAsync("acme", "noisy", "m0", Tokens, spam: false, CancellationToken.None);
        var tenantBase = (await ReadFreshAsync(store, null))!;
        Assert.Equal((1, 1), (tenantBase.SpamMessages, tenantBase.HamMessages));
        await store.LearnAsync("acme", "noisy", "m9", Tokens, spam: true, CancellationToken.None);
        Assert.Equal(2, (await ReadFreshAsync(store, null))!.SpamMessages);
    }

    [Fact]
    public async Task Models_stay_under_the_token_cap_and_a_full_model_fits_one_entity()
    {
        await using var sp = await Services(maxTokens: 500);
        var store = sp.GetRequiredService<TokenModelStore>();
        for (var m = 0; m < 10; m++)
        {
            await store.LearnAsync("acme", "mb", $"m{m}", Enumerable.Range(m * 100, 100).Select(i => (uint)i).Append(999_999u).ToList(), spam: m % 2 == 0, CancellationToken.None);
        }
        var model = (await ReadFreshAsync(store, "mb"))!;
        Assert.InRange(model.TokenCount, 1, 500);
        Assert.Equal((5, 5), model.Get(999_999)); // seen in every message: never pruned

        // The default cap's worth of tokens is one entity of ~640 KB that Table storage takes.
        await using var full = await Services();
        var fullStore = full.GetRequiredService<TokenModelStore>();
        var cap = full.GetRequiredService<Serverless.Mail.Spam.Learning.SpamLearningOptions>().MaxTokens;
        await fullStore.LearnAsync("acme", "big", "huge", Enumerable.Range(0, cap + 5000).Select(i => (uint)i * 7919).ToList(), spam: true, CancellationToken.None);
        var big = (await ReadFreshAsync(fullStore, "big"))!;
        Assert.InRange(big.TokenCount, cap * 8 / 10, cap);
        var row = (await fullStore.Table.GetEntityAsync<TableEntity>(TokenModelStore.Partition("acme"), TokenModelStore.MailboxRowKey("big"))).Value;
        Assert.InRange(row.GetInt32("Chunks")!.Value, 2, 15);
    }

    [Fact]
    public async Task Concurrent_learners_of_one_mailbox_lose_no_count()
    {
        await using var sp = await Services();
        var store = sp.GetRequiredService<TokenModelStore>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => store.LearnAsync("acme", "mb", $"c{i}", Tokens, spam: i % 2 == 0, CancellationToken.None)));
        var model = (await ReadFreshAsync(store, "mb"))!;
        Assert.Equal((3, 3, (3, 3)), (model.SpamMessages, model.HamMessages, model.Get(33)));
        Assert.Equal(6, (await ReadFreshAsync(store, null))!.SpamMessages + (await ReadFreshAsync(store, null))!.HamMessages);
    }

    [Fact]
    public async Task The_classifier_is_registered_and_reads_the_learnt_models()
    {
        await using var sp = await Services();
        var classifier = sp.GetRequiredService<IContentClassifier>();
        Assert.IsType<BayesContentClassifier>(classifier);
        var spamMessage = BayesScoringTests.Message("offer", BayesScoringTests.Spam[0], "promo@deals.example");
        Assert.Equal(ContentVerdict.Unknown, await classifier.ClassifyAsync("acme", "mb", spamMessage, CancellationToken.None));
        var store = sp.GetRequiredService<TokenModelStore>();
        await store.LearnAsync("acme", "mb", "s", BayesScoring.Hashes(SpamTokenizer.Tokenize(spamMessage)), spam: true, CancellationToken.None);
        var ham = BayesScoringTests.Message("work", BayesScoringTests.Ham[0], "colleague@corp.example");
        await store.LearnAsync("acme", "mb", "h", BayesScoring.Hashes(SpamTokenizer.Tokenize(ham)), spam: false, CancellationToken.None);
        store.ForgetCached();
        var similar = BayesScoringTests.Message("offer", "cheap pills discount order now", "promo@deals.example");
        Assert.True((await classifier.ClassifyAsync("acme", "mb", similar, CancellationToken.None)).SpamProbability > 0.9);
        Assert.True((await classifier.ClassifyAsync("acme", null, similar, CancellationToken.None)).SpamProbability > 0.9); // the base learnt it too
        Assert.Equal(ContentVerdict.Unknown, await classifier.ClassifyAsync("globex", "mb", similar, CancellationToken.None));
    }
}

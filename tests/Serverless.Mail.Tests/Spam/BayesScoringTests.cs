using System.Text;
using MimeKit;
using Serverless.Mail.Spam;
using Serverless.Mail.Spam.Bayes;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

public sealed class BayesScoringTests
{
    internal static MimeMessage Message(string subject, string body, string from = "someone@sender.example") =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes($"From: {from}\r\nTo: me@x.test\r\nSubject: {subject}\r\n\r\n{body}\r\n")));

    internal static readonly string[] Spam =
    [
        "Cheap pills online pharmacy discount viagra order now limited offer",
        "You have won a lottery prize claim your million dollars now click here",
        "Lose weight fast miracle pills order now discount limited offer guaranteed",
        "Casino bonus free spins claim your prize now click here guaranteed winner",
    ];

    internal static readonly string[] Ham =
    [
        "Minutes of the project meeting attached please review the schedule for next sprint",
        "Can we move our lunch to Thursday the budget review runs long",
        "The build failed on the release branch please check the failing test in the parser",
        "Draft agenda for the quarterly planning meeting and the hiring schedule",
    ];

    private static TokenCounts Trained()
    {
        var model = new TokenCounts();
        foreach (var s in Spam)
        {
            model.Learn(BayesScoring.Hashes(SpamTokenizer.Tokenize(Message("offer", s, "promo@deals.example"))), spam: true, 1);
        }
        foreach (var h in Ham)
        {
            model.Learn(BayesScoring.Hashes(SpamTokenizer.Tokenize(Message("work", h, "colleague@corp.example"))), spam: false, 1);
        }
        return model;
    }

    [Fact]
    public void Nothing_learnt_is_unknown()
    {
        Assert.Equal(ContentVerdict.Unknown, BayesScoring.Classify(Message("hi", "anything"), null, null));
        Assert.Equal(ContentVerdict.Unknown, BayesScoring.Classify(Message("hi", "anything"), new TokenCounts(), new TokenCounts()));
    }

    [Fact]
    public void Similar_messages_score_as_what_was_learnt_and_the_strongest_tokens_say_why()
    {
        var model = Trained();
        var spam = BayesScoring.Classify(Message("offer", "Discount pills order now claim your prize", "promo@deals.example"), model, null);
        var ham = BayesScoring.Classify(Message("work", "Please review the meeting schedule for the release", "colleague@corp.example"), model, null);
        Assert.True(spam.SpamProbability > 0.95, spam.ToString());
        Assert.True(ham.SpamProbability < 0.05, ham.ToString());
        Assert.True(spam.TokensUsed > 3);
        Assert.Contains("claim", spam.StrongestTokens);
        Assert.DoesNotContain(spam.StrongestTokens, t => t.Contains("meeting", StringComparison.Ordinal));
        // Mixed evidence stays near the middle instead of flipping to an extreme (chi-square combining).
        var mixed = BayesScoring.Classify(Message("x", "discount pills meeting schedule"), model, null);
        Assert.InRange(mixed.SpamProbability, 0.1, 0.9);
    }

    [Fact]
    public void A_mailbox_model_adds_to_the_tenant_base()
    {
        var message = Message("newsletter", "weekly knitting patterns newsletter unsubscribe", "news@knit.example");
        var tenantBase = Trained();
        var before = BayesScoring.Classify(message, tenantBase, null);
        var mailbox = new TokenCounts();
        mailbox.Learn(BayesScoring.Hashes(SpamTokenizer.Tokenize(message)), spam: true, 1);
        var after = BayesScoring.Classify(message, tenantBase, mailbox);
        Assert.True(after.SpamProbability > 0.9 && after.SpamProbability > before.SpamProbability, $"{before} -> {after}");
        // The verdict says how much both models learnt together (the score trusts a trained one more).
        Assert.Equal((tenantBase.SpamMessages + 1, tenantBase.HamMessages), (after.SpamLearnt, after.HamLearnt));
    }

    [Fact]
    public void A_mailboxs_messages_learnt_into_the_base_too_count_once()
    {
        var message = Message("offer", "Discount pills order now claim your prize", "promo@deals.example");
        var mailbox = Trained();
        var tenantBase = TokenCounts.Deserialize(mailbox.Serialize()); // a tenant of one user: its base is that user's learning
        mailbox.InBase = (mailbox.SpamMessages, mailbox.HamMessages);
        var alone = BayesScoring.Classify(message, null, mailbox);
        var both = BayesScoring.Classify(message, tenantBase, mailbox);
        Assert.Equal(alone.SpamProbability, both.SpamProbability, 12);
        Assert.Equal((alone.SpamLearnt, alone.HamLearnt), (both.SpamLearnt, both.HamLearnt));
        // Counted twice, the same evidence would look stronger than it is.
        mailbox.InBase = (0, 0);
        var twice = BayesScoring.Classify(message, tenantBase, mailbox);
        Assert.Equal((2 * alone.SpamLearnt, 2 * alone.HamLearnt), (twice.SpamLearnt, twice.HamLearnt));
        Assert.True(twice.SpamProbability > alone.SpamProbability, $"{alone} vs {twice}");
    }

    [Fact]
    public void Token_counts_round_trip_and_pruning_keeps_the_most_seen_tokens_under_the_cap()
    {
        var model = new TokenCounts();
        model.Learn([1, 2, 3], spam: true, 1);
        model.Learn([2, 3], spam: true, 1);
        model.Learn([3, 4], spam: false, 1);
        var copy = TokenCounts.Deserialize(model.Serialize());
        Assert.Equal((2, 1, 4), (copy.SpamMessages, copy.HamMessages, copy.TokenCount));
        Assert.Equal((2, 1), copy.Get(3));
        Assert.Equal((0, 0), copy.Get(99));

        var big = new TokenCounts();
        big.Learn(Enumerable.Range(0, 1000).Select(i => (uint)i), spam: true, 1);
        big.Learn(Enumerable.Range(0, 10).Select(i => (uint)i), spam: false, 1);
        Assert.Equal(910, big.Prune(100));
        Assert.Equal(90, big.TokenCount);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal((1, 1), big.Get((uint)i))); // seen twice: kept
        Assert.Equal(0, big.Prune(100));

        // Unlearning takes the counts back out; nothing goes below zero.
        model.Learn([1, 2, 3], spam: true, -1);
        model.Learn([1], spam: true, -1);
        Assert.Equal((0, 0), model.Get(1));
        Assert.Equal((1, 0), model.Get(2));
        Assert.Throws<FormatException>(() => TokenCounts.Deserialize([9, 0, 0]));
    }
}

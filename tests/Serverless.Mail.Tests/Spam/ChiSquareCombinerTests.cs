using Serverless.Mail.Spam.Bayes;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

/// <summary>Robinson's s and the clue count the combiner uses (issue 18: promotional ham misfiled).</summary>
public sealed class ChiSquareCombinerTests
{
    private static List<ChiSquareCombiner.TokenEvidence> Tokens(string prefix, int count, double spam, double ham) =>
        [.. Enumerable.Range(0, count).Select(i => new ChiSquareCombiner.TokenEvidence($"{prefix}{i}", spam, ham))];

    [Fact]
    public void A_token_seen_in_only_one_or_two_learnt_ham_is_strong_ham_evidence()
    {
        // s = 0.2: 0.083 and 0.045 (SpamBayes' 0.45 gave 0.155 and 0.092, too weak to hold against a page of offers).
        Assert.True(ChiSquareCombiner.TokenProbability(0, 1, 500, 500) < 0.1);
        Assert.True(ChiSquareCombiner.TokenProbability(0, 2, 500, 500) < 0.05);
        Assert.True(ChiSquareCombiner.TokenProbability(2, 0, 500, 500) > 0.95);
        Assert.Equal(0.5, ChiSquareCombiner.TokenProbability(0, 0, 500, 500));
    }

    [Fact]
    public void Only_the_thirty_strongest_clues_are_combined()
    {
        var verdict = ChiSquareCombiner.Combine([.. Tokens("offer", 40, 20, 5), .. Tokens("weak", 10, 3, 2)], 500, 500);
        Assert.Equal(30, verdict.TokensUsed);
        Assert.All(verdict.StrongestTokens, t => Assert.StartsWith("offer", t, StringComparison.Ordinal));
    }

    [Fact]
    public void A_newsletter_whose_sender_was_learnt_as_ham_is_not_drowned_by_its_offers()
    {
        // Forty promotional words, each in 4 spam for every ham; the newsletter also carries eight tokens of its
        // sender (address, domains, hosts) that two earlier issues taught as ham. With s = 0.45 and 50 clues it
        // scored 0.992 (Junk on its own once trained); now it stays below 0.8.
        var offers = Tokens("offer", 40, 20, 5);
        var newsletter = ChiSquareCombiner.Combine([.. offers, .. Tokens("from-addr:news", 8, 0, 2)], 500, 500);
        Assert.True(newsletter.SpamProbability < 0.8, newsletter.ToString());
        // The same offers from a sender nobody taught stay spam.
        var spam = ChiSquareCombiner.Combine(offers, 500, 500);
        Assert.True(spam.SpamProbability > 0.99, spam.ToString());
    }
}

using MimeKit;

namespace Serverless.Mail.Spam.Bayes;

/// <summary>
/// Scores a message against a tenant's base model and, on top, a mailbox's own: their counts are
/// summed, so a user's training adds to what the tenant's users taught together. No I/O: the
/// models come from <see cref="TokenModelStore"/> (or, in the quality driver, from memory).
/// </summary>
public static class BayesScoring
{
    public static ContentVerdict Classify(MimeMessage message, TokenCounts? tenantBase, TokenCounts? mailbox) =>
        Classify(SpamTokenizer.Tokenize(message), tenantBase, mailbox);

    public static ContentVerdict Classify(IReadOnlySet<string> tokens, TokenCounts? tenantBase, TokenCounts? mailbox)
    {
        // The mailbox's own messages that were learnt into the base too would count twice: the base
        // counts for what the tenant's other users taught, its tokens scaled by that share (in a
        // tenant of one user, the base adds nothing to that user's own model).
        var (baseSpam, baseHam) = OthersInBase(tenantBase, mailbox);
        var spamShare = baseSpam == 0 ? 0 : baseSpam / (double)tenantBase!.SpamMessages;
        var hamShare = baseHam == 0 ? 0 : baseHam / (double)tenantBase!.HamMessages;
        var spam = baseSpam + (mailbox?.SpamMessages ?? 0);
        var ham = baseHam + (mailbox?.HamMessages ?? 0);
        if (spam + ham == 0)
        {
            return ContentVerdict.Unknown;
        }
        var evidence = new List<ChiSquareCombiner.TokenEvidence>(tokens.Count);
        foreach (var token in tokens)
        {
            var hash = TokenCounts.Hash(token);
            var (bs, bh) = tenantBase?.Get(hash) ?? (0, 0);
            var (ms, mh) = mailbox?.Get(hash) ?? (0, 0);
            var s = ms + (bs * spamShare);
            var h = mh + (bh * hamShare);
            if (s + h > 0)
            {
                evidence.Add(new(token, s, h));
            }
        }
        return ChiSquareCombiner.Combine(evidence, spam, ham) with { SpamLearnt = spam, HamLearnt = ham };
    }

    /// <summary>Spam and ham messages the two models learnt together, each counted once.</summary>
    public static (int Spam, int Ham) Learnt(TokenCounts? tenantBase, TokenCounts? mailbox)
    {
        var (spam, ham) = OthersInBase(tenantBase, mailbox);
        return (spam + (mailbox?.SpamMessages ?? 0), ham + (mailbox?.HamMessages ?? 0));
    }

    /// <summary>The base's messages not learnt from this mailbox (what the tenant's other users taught).</summary>
    private static (int Spam, int Ham) OthersInBase(TokenCounts? tenantBase, TokenCounts? mailbox)
    {
        var (inBaseSpam, inBaseHam) = mailbox?.InBase ?? (0, 0);
        return (Math.Max(0, (tenantBase?.SpamMessages ?? 0) - inBaseSpam), Math.Max(0, (tenantBase?.HamMessages ?? 0) - inBaseHam));
    }

    /// <summary>The hashes a message contributes when learnt.</summary>
    public static IReadOnlyList<uint> Hashes(IReadOnlySet<string> tokens) => tokens.Select(TokenCounts.Hash).Distinct().ToList();
}

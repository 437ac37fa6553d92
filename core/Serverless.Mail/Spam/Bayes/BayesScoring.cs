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
        var spam = (tenantBase?.SpamMessages ?? 0) + (mailbox?.SpamMessages ?? 0);
        var ham = (tenantBase?.HamMessages ?? 0) + (mailbox?.HamMessages ?? 0);
        if (spam + ham == 0)
        {
            return ContentVerdict.Unknown;
        }
        var evidence = new List<ChiSquareCombiner.TokenEvidence>(tokens.Count);
        foreach (var token in tokens)
        {
            var hash = TokenCounts.Hash(token);
            var (s, h) = tenantBase?.Get(hash) ?? (0, 0);
            if (mailbox is not null)
            {
                var (ms, mh) = mailbox.Get(hash);
                s += ms;
                h += mh;
            }
            if (s + h > 0)
            {
                evidence.Add(new(token, s, h));
            }
        }
        return ChiSquareCombiner.Combine(evidence, spam, ham) with { SpamLearnt = spam, HamLearnt = ham };
    }

    /// <summary>The hashes a message contributes when learnt.</summary>
    public static IReadOnlyList<uint> Hashes(IReadOnlySet<string> tokens) => tokens.Select(TokenCounts.Hash).Distinct().ToList();
}

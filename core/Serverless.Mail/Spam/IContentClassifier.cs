using MimeKit;

namespace Serverless.Mail.Spam;

/// <summary>
/// Judges a message by its content (words of the decoded headers and text, URLs and their domains,
/// MIME structure), as learnt from a tenant's users. The spam score combines it with the
/// connection and sender signals; the learning side lives apart, so the MX path only reads.
/// </summary>
public interface IContentClassifier
{
    /// <summary>
    /// The probability in [0, 1] that <paramref name="message"/> is spam for the mailbox
    /// (its own learning on top of the tenant's base), or for the tenant's base alone when
    /// <paramref name="mailboxId"/> is null.
    /// </summary>
    ValueTask<ContentVerdict> ClassifyAsync(string tenantId, string? mailboxId, MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// What the content classifier concluded, with the tokens that weighed most (for X-Spam-Status), and
/// how many spam and ham messages the models it used had learnt (how far its verdict can be trusted).
/// </summary>
public sealed record ContentVerdict(double SpamProbability, int TokensUsed, IReadOnlyList<string> StrongestTokens, int SpamLearnt = 0, int HamLearnt = 0)
{
    /// <summary>Nothing learnt yet: neither spam nor ham.</summary>
    public static ContentVerdict Unknown { get; } = new(0.5, 0, []);
}

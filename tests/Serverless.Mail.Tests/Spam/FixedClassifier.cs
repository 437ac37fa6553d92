using MimeKit;
using Serverless.Mail.Spam;

namespace Serverless.Mail.Tests.Spam;

/// <summary>Our own content classifier interface, answered with a fixed probability (the real one is learnt elsewhere).</summary>
internal sealed class FixedClassifier(double probability, int tokens = 20, int spamLearnt = 0, int hamLearnt = 0) : IContentClassifier
{
    public List<(string Tenant, string? Mailbox)> Asked { get; } = [];

    public ValueTask<ContentVerdict> ClassifyAsync(string tenantId, string? mailboxId, MimeMessage message, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add((tenantId, mailboxId));
        }
        return ValueTask.FromResult(new ContentVerdict(probability, tokens, ["viagra"], spamLearnt, hamLearnt));
    }
}

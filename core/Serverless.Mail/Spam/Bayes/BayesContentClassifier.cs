using Azure;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Serverless.Mail.Spam.Bayes;

/// <summary>
/// The content classifier: the message's tokens (<see cref="SpamTokenizer"/>) scored against the
/// tenant's base model plus the mailbox's own (<see cref="BayesScoring"/>), both read through
/// <see cref="TokenModelStore"/>'s cache — so on the MX path a classification costs no storage
/// request while the models are fresh, and at most two point reads when they are not. Storage
/// trouble makes it answer <see cref="ContentVerdict.Unknown"/> rather than hold up delivery.
/// </summary>
public sealed class BayesContentClassifier(TokenModelStore models, ILogger<BayesContentClassifier> logger) : IContentClassifier
{
    public async ValueTask<ContentVerdict> ClassifyAsync(string tenantId, string? mailboxId, MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        TokenCounts? tenantBase, mailbox = null;
        try
        {
            var baseRead = models.GetAsync(tenantId, null, cancellationToken);
            if (mailboxId is not null)
            {
                mailbox = await models.GetAsync(tenantId, mailboxId, cancellationToken).ConfigureAwait(false);
            }
            tenantBase = await baseRead.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or FormatException)
        {
            logger.LogWarning(e, "Spam token models of tenant {Tenant} unavailable; content not judged", tenantId);
            return ContentVerdict.Unknown;
        }
        return BayesScoring.Classify(message, tenantBase, mailbox);
    }
}

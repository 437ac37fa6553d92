using Serverless.Mail.Accounts;
using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Mail.Provisioning;
using Serverless.Mail.Provisioning.Validation;
using Serverless.Mail.Spam.Bayes;

namespace Serverless.Mail.Spam.Learning;

/// <summary>One message the spam-training API names: by folder and UID (and, to be sure the UID still means it, UIDVALIDITY).</summary>
public sealed record SpamTrainingMessage(string Folder, long Uid, long? UidValidity);

/// <summary>What <c>POST …/spam-training</c> asks: learn these messages as <c>spam</c> or <c>ham</c>.</summary>
public sealed record SpamTrainingRequest(IReadOnlyList<SpamTrainingMessage> Messages, string Verdict);

/// <summary>The answer: how many messages were queued for learning, in how many queue messages.</summary>
public sealed record SpamTrainingView(string Mailbox, string Verdict, int Messages, int Batches);

/// <summary>How much one model learnt: messages of each kind and the distinct tokens it keeps.</summary>
public sealed record SpamModelSize(int Spam, int Ham, int Tokens);

/// <summary>
/// What <c>GET …/spam-training</c> answers: the mailbox's own model, the tenant's base under it, and
/// whether together they learnt enough for the content bands' trained weights
/// (<see cref="SpamOptions.ContentTrainedMinimum"/> of each kind).
/// </summary>
public sealed record SpamTrainingStatus(string Mailbox, SpamModelSize MailboxModel, SpamModelSize TenantBase, int TrainedMinimum, bool Trained);

/// <summary>
/// Spam training for clients that cannot move mail to Junk (POP3) or for operators: checks the
/// mailbox and the folders, and puts one <c>spam-learning</c> message per folder on the queue. The
/// learning itself is <see cref="SpamLearner"/>'s, exactly as for IMAP moves.
/// </summary>
public sealed class SpamTraining(MailDirectory directory, MailboxIndex index, SpamLearningQueue queue, TokenModelStore models, SpamOptions options)
{
    /// <summary>How far the mailbox's filter has learnt, read from storage now (learning is queued, so this shows when it is done).</summary>
    public async Task<ProvisioningOutcome<SpamTrainingStatus>> StatusAsync(string tenant, string address, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryParseHosted(address, out var parsed, out _)
            || await directory.GetMailboxAsync(tenant, parsed, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return ProvisioningError.NotFound($"Mailbox '{address}' not found.");
        }
        var ownModel = await models.ReadAsync(mailbox.TenantId, mailbox.MailboxId, cancellationToken).ConfigureAwait(false);
        var baseModel = await models.ReadAsync(mailbox.TenantId, null, cancellationToken).ConfigureAwait(false);
        // As scoring counts them: the mailbox's messages learnt into the base too count once.
        var (spam, ham) = BayesScoring.Learnt(baseModel, ownModel);
        var trained = Math.Min(spam, ham) >= options.ContentTrainedMinimum;
        return new SpamTrainingStatus(mailbox.Address, Size(ownModel), Size(baseModel), options.ContentTrainedMinimum, trained);
    }

    private static SpamModelSize Size(TokenCounts? model) =>
        model is null ? new(0, 0, 0) : new(model.SpamMessages, model.HamMessages, model.TokenCount);

    public async Task<ProvisioningOutcome<SpamTrainingView>> TrainAsync(string tenant, string address, SpamTrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AddressRules.TryParseHosted(address, out var parsed, out _)
            || await directory.GetMailboxAsync(tenant, parsed, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return ProvisioningError.NotFound($"Mailbox '{address}' not found.");
        }
        if (request.Verdict is not (SpamVerdicts.Spam or SpamVerdicts.Ham))
        {
            return ProvisioningError.Invalid("verdict", "must be \"spam\" or \"ham\".");
        }
        var errors = new List<FieldError>();
        var batches = new List<SpamLearningRequest>();
        foreach (var group in request.Messages.Select((m, i) => (m, i)).GroupBy(x => FolderNames.Normalize(x.m.Folder), StringComparer.Ordinal))
        {
            var folder = await index.FindFolderAsync(mailbox.MailboxId, group.Key, cancellationToken).ConfigureAwait(false);
            if (folder is null)
            {
                errors.Add(new FieldError($"messages.{group.First().i}.folder", $"names no folder of the mailbox ('{group.Key}')."));
                continue;
            }
            foreach (var (m, i) in group.Where(x => x.m.UidValidity is { } v && v != folder.UidValidity))
            {
                errors.Add(new FieldError($"messages.{i}.uidValidity", $"is not the folder's UIDVALIDITY ({folder.UidValidity}): the UID may name another message now."));
            }
            batches.Add(new SpamLearningRequest
            {
                TenantId = mailbox.TenantId,
                MailboxId = mailbox.MailboxId,
                Verdict = request.Verdict,
                FolderId = folder.FolderId,
                UidValidity = folder.UidValidity,
                Uids = group.Select(x => x.m.Uid).Distinct().ToList(),
                Source = "api",
            });
        }
        if (errors.Count > 0)
        {
            return ProvisioningError.Invalid(errors);
        }
        foreach (var batch in batches)
        {
            await queue.EnqueueAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        return new SpamTrainingView(mailbox.Address, request.Verdict, batches.Sum(b => b.Uids.Count), batches.Count);
    }
}

using Microsoft.Extensions.Logging;
using MimeKit;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;
using Serverless.Mail.Spam.Bayes;

namespace Serverless.Mail.Spam.Learning;

/// <summary>
/// Consumes the <c>spam-learning</c> queue: for each message of the request reads its row (for the
/// blob name) and the first <see cref="MaxBytesRead"/> of its blob, tokenizes it and counts it for
/// the mailbox (and, within the mailbox's share, the tenant's base) in <see cref="TokenModelStore"/>.
/// Idempotent: a message is keyed by its blob name, so a redelivered request, a COPY of an already
/// learnt message or the same verdict twice change nothing, and the opposite verdict moves its counts.
/// Messages gone meanwhile (expunged, moved on) are skipped.
/// <para>
/// One request of a tenant at a time in this process, in the order they arrive, and its messages in
/// UID order: a model bounded by pruning (<see cref="TokenCounts.Prune"/>) depends on the order it
/// learnt in — a rare token pruned before its second message arrives restarts at one — so learners
/// that raced each other (retrying on the models' ETags) made the same training give models of
/// different sizes and verdicts (bench/README.md, issue 18, 2026-12-04 (3)). Serialised, the same
/// moves to Junk in the same order give the same model. The lock is per tenant because the base
/// model is: every mailbox of the tenant writes it.
/// </para>
/// </summary>
public sealed class SpamLearner(MailboxIndex index, MessageStore messages, TokenModelStore models, ILogger<SpamLearner> logger)
{
    private readonly TenantTurns _turns = new();

    /// <summary>Tenants whose learning runs or waits in this process now.</summary>
    public int TenantsLearning => _turns.Active;

    /// <summary>The tokenizer reads 64 KiB of text at most; the head of a large message is enough to find it.</summary>
    public const int MaxBytesRead = 1024 * 1024;

    /// <summary>Learns every message the request names; returns how many were newly counted.</summary>
    public async Task<int> LearnAsync(SpamLearningRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var turn = await _turns.WaitAsync(request.TenantId, cancellationToken).ConfigureAwait(false);
        return await LearnInTurnAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> LearnInTurnAsync(SpamLearningRequest request, CancellationToken cancellationToken)
    {
        if (request.UidValidity is { } expected)
        {
            var folder = await index.GetFolderAsync(request.MailboxId, request.FolderId, cancellationToken).ConfigureAwait(false);
            if (folder is null || folder.UidValidity != expected)
            {
                logger.LogInformation("Spam learning skipped: folder {Folder} of mailbox {Mailbox} no longer has UIDVALIDITY {UidValidity}", request.FolderId, request.MailboxId, expected);
                return 0;
            }
        }
        var learnt = 0;
        foreach (var uid in request.Uids.Distinct().Order())
        {
            var row = await index.GetMessageAsync(request.MailboxId, request.FolderId, uid, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                continue;
            }
            MimeMessage message;
            var size = Math.Min(row.Size, MaxBytesRead);
            await using (var stream = await messages.OpenReadRangeAsync(row.Source(request.MailboxId, request.FolderId), 0, size, cancellationToken).ConfigureAwait(false))
            {
                message = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            var hashes = BayesScoring.Hashes(SpamTokenizer.Tokenize(message));
            var outcome = await models.LearnAsync(request.TenantId, request.MailboxId, row.BlobName, hashes, request.IsSpam, cancellationToken).ConfigureAwait(false);
            if (outcome == LearnOutcome.Learnt)
            {
                learnt++;
            }
        }
        logger.LogInformation("Spam learning ({Source}): {Learnt} of {Count} messages of mailbox {Mailbox} learnt as {Verdict}",
            request.Source, learnt, request.Uids.Count, request.MailboxId, request.Verdict);
        return learnt;
    }
}

using Microsoft.Azure.Functions.Worker;
using Serverless.Mail.Accounts;
using Serverless.Mail.Feed;
using Serverless.Mail.Index;
using Serverless.Mail.Usage;

namespace Serverless.Functions.Timers;

/// <summary>
/// Daily: prunes every mailbox's change log and dedupe rows older than <c>Mail:Index:ChangeLogRetention</c>
/// and <c>Mail:Index:DedupeRetention</c> (30 days each). Two queries per mailbox, plus one
/// transaction per 100 rows deleted. Also deletes the change feed's daily tables older than
/// <c>Mail:ChangeFeed:RetentionDays</c> (one request per table), and the <c>usage</c> rows older than
/// <c>Mail:Usage:Retention</c> (one query, one transaction per tenant and 100 rows).
/// </summary>
public sealed class IndexUpkeepFunction(MailDirectory directory, MailboxIndex index, IndexOptions options, TimeProvider time, ChangeFeedWriter feed,
    UsageStore usage, UsageOptions usageOptions)
{
    [Function("IndexUpkeep")]
    public Task Run([TimerTrigger("0 41 3 * * *")] TimerInfo timer, CancellationToken cancellationToken) => RunAsync(cancellationToken);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await feed.DeleteOldTablesAsync(now, cancellationToken).ConfigureAwait(false);
        await usage.PurgeAsync(now - usageOptions.Retention, cancellationToken).ConfigureAwait(false);
        var mailboxes = 0;
        await foreach (var mailboxId in directory.ListAllMailboxIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            await index.PruneAsync(mailboxId, now - options.ChangeLogRetention, now - options.DedupeRetention, cancellationToken).ConfigureAwait(false);
            mailboxes++;
        }
        return mailboxes;
    }
}

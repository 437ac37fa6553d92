using Azure;
using Azure.Data.Tables;

namespace Serverless.Mail.Accounts;

/// <summary>What changing a mailbox's send-as grants came to.</summary>
public enum SendAsChange
{
    Done,
    MailboxNotFound,
    AlreadyGranted,
    NotGranted,
    TooMany,
}

public sealed partial class MailDirectory
{
    /// <summary>Grants per mailbox: they travel with every login, so the row stays small.</summary>
    public const int MaxSendAsGrants = 100;

    /// <summary>
    /// Lets the mailbox at <paramref name="mailbox"/> send as <paramref name="granted"/> (the caller
    /// checked that it is an address of the tenant). Kept on the mailbox row (<c>SendAs</c>), which
    /// the login reads anyway, so checking a submission costs no extra read; ETag-guarded so two
    /// concurrent changes cannot lose one another.
    /// </summary>
    public Task<SendAsChange> GrantSendAsAsync(string tenantId, MailAddress mailbox, MailAddress granted, CancellationToken cancellationToken = default) =>
        ChangeSendAsAsync(tenantId, mailbox, current =>
            current.Contains(granted.Address, StringComparer.Ordinal) ? SendAsChange.AlreadyGranted
            : current.Count >= MaxSendAsGrants ? SendAsChange.TooMany
            : SendAsChange.Done,
            current => [.. current, granted.Address], cancellationToken);

    public Task<SendAsChange> RevokeSendAsAsync(string tenantId, MailAddress mailbox, MailAddress granted, CancellationToken cancellationToken = default) =>
        ChangeSendAsAsync(tenantId, mailbox, current => current.Contains(granted.Address, StringComparer.Ordinal) ? SendAsChange.Done : SendAsChange.NotGranted,
            current => current.Where(a => a != granted.Address).ToList(), cancellationToken);

    private async Task<SendAsChange> ChangeSendAsAsync(string tenantId, MailAddress mailbox, Func<IReadOnlyList<string>, SendAsChange> check,
        Func<IReadOnlyList<string>, IReadOnlyList<string>> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetMailboxAsync(tenantId, mailbox, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return SendAsChange.MailboxNotFound;
            }
            var verdict = check(current.SendAs);
            if (verdict != SendAsChange.Done)
            {
                return verdict;
            }
            var next = current with { SendAs = change(current.SendAs) };
            try
            {
                await _table.UpdateEntityAsync(FromMailbox(mailbox, next), current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return SendAsChange.Done;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 4)
            {
                // Changed under us (another grant, a password change): read again.
            }
        }
    }
}

using Serverless.Listeners.Imap.Notify;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 5465 NOTIFY SET / NONE. The events this server can tell are message events (new, expunged,
/// flags) and mailbox name and subscription changes; ANNOTATE and METADATA are not offered, so
/// their events — and any unknown one — get <c>NO [BADEVENT (…)]</c>. Like Dovecot, MessageNew,
/// MessageExpunge and FlagChange are taken alone too (imaptest holds servers to that, although
/// RFC 5465 5 wants them together). A successful NOTIFY SET is an implicit NOOP (the table's
/// forced check); with STATUS it first tells the state of each watched folder other than the
/// selected one.
/// </summary>
internal sealed class NotifyCommand : IImapCommand
{
    private const string Supported = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";

    /// <summary>Mailboxes a NOTIFY SET may name: beyond this, <c>NO [NOTIFICATIONOVERFLOW]</c> (RFC 5465 3.1).</summary>
    public const int MaxNamedMailboxes = 200;

    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (NotifyArguments)command.Arguments;
        if (args.None)
        {
            session.SetNotify(null);
            return ImapResult.Ok("NOTIFY completed");
        }
        var supported = Supported.Split(' ');
        if (args.Groups.SelectMany(g => g.Events).FirstOrDefault(e => !supported.Contains(e, StringComparer.Ordinal)) is { } unsupported)
        {
            return ImapResult.No(unsupported + " is not supported", "BADEVENT (" + Supported + ")");
        }
        if (args.Groups.Sum(g => g.Mailboxes.Count) > MaxNamedMailboxes)
        {
            return ImapResult.No("Too many mailboxes to watch", "NOTIFICATIONOVERFLOW");
        }
        var mailboxId = FolderLookup.MailboxId(session);
        var subscription = new NotifySubscription(mailboxId, args.Groups, session.Services.Options.NotifyMaxPending, session.Rev2);
        if (args.Status && subscription.Others.Any(g => g.HasMessageEvents))
        {
            // RFC 5465 3.1: a STATUS for each folder with message events other than the selected one, before the OK.
            var listing = await session.Services.Index.ListFoldersAsync(mailboxId, cancellationToken);
            foreach (var folder in listing)
            {
                if (folder.FolderId != session.Selected?.FolderId
                    && NotifyGroups.For(subscription.Others, folder.Name, folder.Subscribed) is { HasMessageEvents: true } group)
                {
                    subscription.Changed(folder.FolderId, (folder.Messages, folder.UidNext, folder.HighestModSeq));
                    StatusCommand.WriteStatus(session, folder, ImapSession.NotifyStatusItems(group, session.CondStore));
                    await session.FlushIfLargeAsync(cancellationToken);
                }
            }
        }
        session.SetNotify(subscription);
        // Another process's folder changes are told as the difference from the list known now: know it before the OK.
        await session.Services.Events.ReadyAsync(subscription).WaitAsync(cancellationToken);
        return ImapResult.Ok("NOTIFY completed");
    }
}

using System.IO.Pipelines;
using Serverless.Listeners.Imap.Commands;
using Serverless.Listeners.Imap.Notify;
using Serverless.Mail.Storage;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>NOTIFY (RFC 5465): events are told between commands, at the end of each command and during IDLE.</summary>
internal sealed partial class ImapSession
{
    /// <summary>The session's NOTIFY SET, or null (NOTIFY NONE, or never set).</summary>
    public NotifySubscription? Notify { get; private set; }

    /// <summary>Replaces the session's NOTIFY SET (null: NOTIFY NONE).</summary>
    public void SetNotify(NotifySubscription? subscription)
    {
        if (Notify is not null)
        {
            Services.Events.Remove(Notify);
        }
        Notify = subscription;
        if (subscription is not null)
        {
            Services.Events.Add(subscription);
        }
    }

    /// <summary>
    /// Waits for the client's next bytes; with NOTIFY set, tells the client of events while it waits
    /// (RFC 5465 3: the client listens all the time, even with no command in progress).
    /// </summary>
    private async ValueTask<ReadResult> ReadOrNotifyAsync(PipeReader input, CancellationToken cancellationToken)
    {
        if (Notify is null)
        {
            return await ReadInputAsync(input, cancellationToken);
        }
        var read = ReadInputAsync(input, cancellationToken).AsTask();
        while (Notify is { } notify)
        {
            if (await Task.WhenAny(read, notify.Signal) == read)
            {
                break;
            }
            try
            {
                // No command in progress: only SELECTED (not -DELAYED) may renumber messages now (RFC 5465 6.1).
                await DeliverNotificationsAsync(allowExpunge: false, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && StorageFailures.IsTransient(e))
            {
                _logger.LogDebug("NOTIFY delivery failed: {Message}", e.Message); // told with the next change or command
            }
            await FlushAsync(cancellationToken);
            Transport.ReleaseIdleCompressor(); // still waiting for the client
        }
        return await read;
    }

    /// <summary>
    /// Writes what is pending: LIST lines of name and subscription changes, the selected folder's
    /// changes (EXISTS, EXPUNGE, FETCH; SELECTED-DELAYED holds back expunges to where
    /// <paramref name="allowExpunge"/> allows them), and a STATUS for each other folder whose counters moved.
    /// </summary>
    public async Task DeliverNotificationsAsync(bool allowExpunge, CancellationToken cancellationToken)
    {
        if (Notify is not { } notify || !notify.HasPending)
        {
            return;
        }
        if (notify.Overflowed)
        {
            // RFC 5465 5.8: say so and stop, as after NOTIFY NONE; the client resynchronises.
            SetNotify(null);
            WriteLine("* OK [NOTIFICATIONOVERFLOW] Too many events pending: NOTIFY is off now");
            return;
        }
        var (folders, lines) = notify.Take();
        foreach (var line in lines)
        {
            ImapWire.Raw(Output, line);
        }
        var mailboxId = FolderLookup.MailboxId(this);
        foreach (var folderId in folders)
        {
            if (Selected is { } selected && selected.FolderId == folderId)
            {
                if (notify.Selected is { HasMessageEvents: true } group)
                {
                    await TellSelectedAsync(selected, group, allowExpunge, cancellationToken);
                }
                continue;
            }
            if (!notify.Others.Any(g => g.HasMessageEvents))
            {
                continue; // name and subscription events only: no folder read
            }
            var folder = await Services.Index.GetFolderAsync(mailboxId, folderId, cancellationToken);
            if (folder is not null && NotifyGroups.For(notify.Others, folder.Name, folder.Subscribed) is { HasMessageEvents: true } other
                && notify.Changed(folderId, (folder.Messages, folder.UidNext, folder.HighestModSeq)))
            {
                StatusCommand.WriteStatus(this, folder, NotifyStatusItems(other, CondStore));
            }
            await FlushIfLargeAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The STATUS items an event group asks to be told (as Dovecot sends them): MessageNew the
    /// counters a new message moves, MessageExpunge the count, FlagChange UIDVALIDITY and
    /// HIGHESTMODSEQ; HIGHESTMODSEQ always once CONDSTORE is on (RFC 5465 5.2, 5.3).
    /// </summary>
    public static List<string> NotifyStatusItems(NotifyGroup group, bool condStore)
    {
        ArgumentNullException.ThrowIfNull(group);
        var items = new List<string>();
        var newMessages = group.Has(NotifyEvents.MessageNew);
        var flags = group.Has(NotifyEvents.FlagChange);
        if (newMessages || group.Has(NotifyEvents.MessageExpunge))
        {
            items.Add("MESSAGES");
        }
        if (newMessages)
        {
            items.Add("UIDNEXT");
        }
        if (newMessages || flags)
        {
            items.Add("UIDVALIDITY");
        }
        if (flags || condStore)
        {
            items.Add("HIGHESTMODSEQ");
        }
        return items;
    }

    /// <summary>The selected folder's changes, as a NOOP would tell them, and MessageNew's FETCH items for the new messages.</summary>
    private async Task TellSelectedAsync(SelectedFolder selected, NotifyGroup group, bool allowExpunge, CancellationToken cancellationToken)
    {
        // A notice can arrive before this process's watcher has taken in the change it announces: read the folder (one read per told change, as documented) rather than trust a view checked moments ago.
        var view = await selected.Watcher.GetCurrentAsync(true, Services.Options.CommandCheckInterval, cancellationToken: cancellationToken);
        if (view is null)
        {
            await ReportChangesAsync(force: false, allowExpunge: true, cancellationToken); // says BYE: the folder is gone
            return;
        }
        // SELECTED-DELAYED: expunges wait for a command that may report them; new mail and flags need not.
        var allow = group.Filter == NotifyFilter.Selected || allowExpunge || !selected.Expunges(view);
        var lastUid = selected.View.LastUid;
        await ReportChangesAsync(force: false, allowExpunge: allow, cancellationToken);
        if (group.NewMessageItems.Count == 0 || !ReferenceEquals(Selected, selected) || selected.View.LastUid <= lastUid)
        {
            return;
        }
        var indices = new List<int>();
        for (var i = selected.Count - 1; i >= 0 && selected.View.Uid(i) > lastUid; i--)
        {
            indices.Insert(0, i);
        }
        var items = group.NewMessageItems.Where(i => i.Kind != FetchItemKind.Uid).Prepend(FetchItem.Of(FetchItemKind.Uid)).ToList();
        var fetcher = new MessageFetcher(this, selected, items, []);
        await fetcher.WriteAsync(indices, cancellationToken);
    }
}

using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Notify;

/// <summary>
/// The process's NOTIFY (RFC 5465) switchboard: which sessions want events of which mailbox. It
/// listens to <see cref="FolderWatchers.FolderChanged"/> — this process's writes and the change
/// feed's notices from other processes — only while some session has NOTIFY set, and hands each
/// change to that mailbox's sessions alone, so a change costs nothing for the others and a session
/// watching many folders polls none of them. Mailbox name and subscription changes come from this
/// process's CREATE / DELETE / RENAME / (UN)SUBSCRIBE, told by the commands, and from other
/// processes through <see cref="FolderWatchers.FolderListChangedElsewhere"/> (the change feed),
/// turned into names by <see cref="FolderListTracker"/> for the mailboxes whose sessions asked for them.
/// </summary>
internal sealed class MailboxEvents(FolderWatchers watchers, FolderListTracker lists)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, NotifySubscription[]> _byMailbox = new(StringComparer.Ordinal);

    public void Add(NotifySubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        lock (_gate)
        {
            if (_byMailbox.Count == 0)
            {
                watchers.FolderChanged += OnFolderChanged;
                watchers.FolderListChangedElsewhere += OnFolderListChangedElsewhere;
            }
            _byMailbox[subscription.MailboxId] = _byMailbox.TryGetValue(subscription.MailboxId, out var list) ? [.. list, subscription] : [subscription];
            if (subscription.WantsFolderList)
            {
                lists.Track(subscription.MailboxId);
            }
        }
    }

    /// <summary>Completes when the folder list another process's changes are compared against is known (at once if the subscription needs none).</summary>
    public Task ReadyAsync(NotifySubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return subscription.WantsFolderList ? lists.ReadyAsync(subscription.MailboxId) : Task.CompletedTask;
    }

    public void Remove(NotifySubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        lock (_gate)
        {
            if (!_byMailbox.TryGetValue(subscription.MailboxId, out var list))
            {
                return;
            }
            var rest = list.Where(s => !ReferenceEquals(s, subscription)).ToArray();
            if (!rest.Any(s => s.WantsFolderList))
            {
                lists.Untrack(subscription.MailboxId);
            }
            if (rest.Length == 0)
            {
                _byMailbox.Remove(subscription.MailboxId);
            }
            else
            {
                _byMailbox[subscription.MailboxId] = rest;
            }
            if (_byMailbox.Count == 0)
            {
                watchers.FolderChanged -= OnFolderChanged;
                watchers.FolderListChangedElsewhere -= OnFolderListChangedElsewhere;
            }
        }
    }

    /// <summary>A folder was created (<paramref name="oldName"/> null, <paramref name="deleted"/> false), deleted or renamed by <paramref name="origin"/>'s session.</summary>
    public void MailboxName(string mailboxId, NotifySubscription? origin, string name, string? oldName = null, bool deleted = false)
    {
        lists.Apply(mailboxId, new FolderListEvent(name, oldName, deleted));
        foreach (var subscription in For(mailboxId, origin))
        {
            subscription.OnMailboxName(name, oldName, deleted);
        }
    }

    /// <summary>A folder was subscribed or unsubscribed by <paramref name="origin"/>'s session.</summary>
    public void SubscriptionChange(string mailboxId, NotifySubscription? origin, string name, bool subscribed)
    {
        lists.Apply(mailboxId, new FolderListEvent(name, Subscribed: subscribed));
        foreach (var subscription in For(mailboxId, origin))
        {
            subscription.OnSubscriptionChange(name, subscribed);
        }
    }

    private void OnFolderChanged(string mailboxId, int folderId)
    {
        foreach (var subscription in For(mailboxId, null))
        {
            subscription.OnFolderChanged(folderId);
        }
    }

    /// <summary>Another process changed the mailbox's folders or subscriptions: told to every session of it here that asked (RFC 5465 5.4, 5.5).</summary>
    private void OnFolderListChangedElsewhere(string mailboxId, int folderId, Serverless.Mail.Feed.NoticeKind kind) =>
        _ = lists.ChangedElsewhereAsync(mailboxId, change =>
        {
            foreach (var subscription in For(mailboxId, null))
            {
                if (change.Subscribed is { } subscribed)
                {
                    subscription.OnSubscriptionChange(change.Name, subscribed);
                }
                else
                {
                    subscription.OnMailboxName(change.Name, change.OldName, change.Deleted);
                }
            }
        });

    // RFC 5465 5: the server SHOULD NOT tell a client of what it did itself.
    private NotifySubscription[] For(string mailboxId, NotifySubscription? origin)
    {
        NotifySubscription[]? list;
        lock (_gate)
        {
            _byMailbox.TryGetValue(mailboxId, out list);
        }
        return list is null ? [] : origin is null ? list : list.Where(s => !ReferenceEquals(s, origin)).ToArray();
    }
}

/// <summary>What a NOTIFY group says about a folder name.</summary>
internal static class NotifyGroups
{
    /// <summary>The group that applies to a folder other than the selected one: the first that names it (RFC 5465 6).</summary>
    public static NotifyGroup? For(IReadOnlyList<NotifyGroup> groups, string name, bool subscribed) =>
        groups.FirstOrDefault(g => Matches(g, name, subscribed));

    public static bool Matches(NotifyGroup group, string name, bool subscribed) => group.Filter switch
    {
        NotifyFilter.Inboxes => name == "INBOX", // where new mail is delivered (Junk too, but not as "an inbox")
        NotifyFilter.Personal => true, // every folder of the mailbox is in its personal namespace
        NotifyFilter.Subscribed => subscribed,
        NotifyFilter.Subtree => group.Mailboxes.Any(m => name == m || name.StartsWith(m + ImapMailboxName.Delimiter, StringComparison.Ordinal)),
        NotifyFilter.Mailboxes => group.Mailboxes.Contains(name, StringComparer.Ordinal),
        _ => false,
    };
}

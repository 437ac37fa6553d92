using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Notify;

/// <summary>One change to a mailbox's folder list as NOTIFY tells it: a folder created, deleted or renamed (<see cref="OldName"/>), or a subscription changed (<see cref="Subscribed"/> set).</summary>
internal sealed record FolderListEvent(string Name, string? OldName = null, bool Deleted = false, bool? Subscribed = null);

/// <summary>
/// NOTIFY's MailboxName and SubscriptionChange events for changes made in another process (RFC
/// 5465 5.4, 5.5). The change feed says only "the folders (or subscriptions) of mailbox M changed",
/// so for each mailbox with a NOTIFY session that asked for those events this process keeps the list
/// as last known — read when the first such session sets NOTIFY, one range query — and on such a
/// notice reads it again (one query per notice, only for those mailboxes) and tells the difference:
/// a new folder id is a folder created, a missing one deleted, another name a rename (with OLDNAME),
/// another subscription flag or kept subscription a SubscriptionChange. This process's own
/// CREATE / DELETE / RENAME / (UN)SUBSCRIBE are told by their commands and applied here by name
/// (<see cref="Apply"/>), so a later read does not tell them again; a read that overlapped one is
/// made again. A failed read tells nothing and keeps the old list: the next notice's read tells
/// everything since.
/// </summary>
internal sealed class FolderListTracker(MailboxIndex index)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Known> _known = new(StringComparer.Ordinal);

    private sealed class Known
    {
        public Dictionary<int, (string Name, bool Subscribed)> Folders { get; set; } = [];
        public HashSet<string> Kept { get; set; } = new(StringComparer.Ordinal);

        /// <summary>Folders this process created whose id no read has shown yet.</summary>
        public HashSet<string> OwnCreated { get; } = new(StringComparer.Ordinal);

        /// <summary>Counts this process's own changes, so a read they overlapped is made again.</summary>
        public int OwnChanges { get; set; }

        public bool Read { get; set; }

        /// <summary>Reads of one mailbox run one after another.</summary>
        public Task Last { get; set; } = Task.CompletedTask;
    }

    /// <summary>Starts keeping <paramref name="mailboxId"/>'s list (reads it now, in the background). Idempotent.</summary>
    public void Track(string mailboxId)
    {
        lock (_gate)
        {
            if (!_known.ContainsKey(mailboxId))
            {
                var known = new Known();
                _known[mailboxId] = known;
                known.Last = ReadAsync(mailboxId, known, null);
            }
        }
    }

    /// <summary>Completes when the reads of the mailbox's list begun so far have ended.</summary>
    public Task ReadyAsync(string mailboxId)
    {
        lock (_gate)
        {
            return _known.TryGetValue(mailboxId, out var known) ? known.Last : Task.CompletedTask;
        }
    }

    public void Untrack(string mailboxId)
    {
        lock (_gate)
        {
            _known.Remove(mailboxId);
        }
    }

    /// <summary>Another process changed the list: read it once the reads before have ended, and hand each difference to <paramref name="tell"/>.</summary>
    public Task ChangedElsewhereAsync(string mailboxId, Action<FolderListEvent> tell)
    {
        lock (_gate)
        {
            if (!_known.TryGetValue(mailboxId, out var known))
            {
                return Task.CompletedTask;
            }
            var previous = known.Last;
            known.Last = After(previous, () => ReadAsync(mailboxId, known, tell));
            return known.Last;
        }
    }

    /// <summary>A change this process made (and its command told): applied to the known list by name.</summary>
    public void Apply(string mailboxId, FolderListEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Known? known;
        lock (_gate)
        {
            _known.TryGetValue(mailboxId, out known);
        }
        if (known is null)
        {
            return;
        }
        lock (known)
        {
            known.OwnChanges++;
            if (change.Subscribed is { } subscribed)
            {
                var folder = known.Folders.FirstOrDefault(f => f.Value.Name == change.Name);
                if (folder.Value.Name is not null)
                {
                    known.Folders[folder.Key] = (change.Name, subscribed);
                }
                else if (subscribed)
                {
                    known.Kept.Add(change.Name);
                }
                else
                {
                    known.Kept.Remove(change.Name);
                }
            }
            else if (change.Deleted)
            {
                foreach (var id in known.Folders.Where(f => f.Value.Name == change.Name).Select(f => f.Key).ToList())
                {
                    known.Folders.Remove(id);
                }
                known.OwnCreated.Remove(change.Name);
            }
            else if (change.OldName is { } oldName)
            {
                // A rename takes the folder's children along.
                foreach (var (id, folder) in known.Folders.ToList())
                {
                    if (folder.Name == oldName || folder.Name.StartsWith(oldName + ImapMailboxName.Delimiter, StringComparison.Ordinal))
                    {
                        known.Folders[id] = (change.Name + folder.Name[oldName.Length..], folder.Subscribed);
                    }
                }
            }
            else
            {
                known.OwnCreated.Add(change.Name);
            }
        }
    }

    private static async Task After(Task previous, Func<Task> next)
    {
        await previous.ConfigureAwait(false); // never faults: ReadAsync keeps its failures
        await next().ConfigureAwait(false);
    }

    private async Task ReadAsync(string mailboxId, Known known, Action<FolderListEvent>? tell)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            int ownChanges;
            lock (known)
            {
                ownChanges = known.OwnChanges;
            }
            FolderListing listing;
            try
            {
                listing = await index.ListFoldersAndSubscriptionsAsync(mailboxId).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return; // keep the old list: the next notice's read tells what this one would have
            }
            List<FolderListEvent> events;
            lock (known)
            {
                if (known.OwnChanges != ownChanges && attempt < 2)
                {
                    continue; // this process changed the list meanwhile: the read may predate it
                }
                events = known.Read && tell is not null ? Differences(known, listing) : [];
                known.Folders = listing.Folders.ToDictionary(f => f.FolderId, f => (f.Name, f.Subscribed));
                known.Kept = new HashSet<string>(listing.KeptSubscriptions, StringComparer.Ordinal);
                known.Read = true;
            }
            foreach (var change in events)
            {
                tell!(change);
            }
            return;
        }
    }

    private static List<FolderListEvent> Differences(Known known, FolderListing listing)
    {
        var events = new List<FolderListEvent>();
        var wasSubscribed = known.Folders.Values.Where(f => f.Subscribed).Select(f => f.Name).Concat(known.Kept).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in listing.Folders.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (known.Folders.TryGetValue(folder.FolderId, out var was))
            {
                if (was.Name != folder.Name)
                {
                    events.Add(new FolderListEvent(folder.Name, OldName: was.Name));
                }
                if (was.Subscribed != folder.Subscribed)
                {
                    events.Add(new FolderListEvent(folder.Name, Subscribed: folder.Subscribed));
                }
                continue;
            }
            if (!known.OwnCreated.Remove(folder.Name))
            {
                events.Add(new FolderListEvent(folder.Name));
            }
            if (folder.Subscribed && !known.Kept.Contains(folder.Name))
            {
                events.Add(new FolderListEvent(folder.Name, Subscribed: true));
            }
        }
        var ids = listing.Folders.Select(f => f.FolderId).ToHashSet();
        events.AddRange(known.Folders.Where(f => !ids.Contains(f.Key)).Select(f => new FolderListEvent(f.Value.Name, Deleted: true)));
        // Created here and gone before any read showed its id: deleted elsewhere (a read that raced the creation was made again).
        var names = listing.Folders.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        events.AddRange(known.OwnCreated.Where(n => !names.Contains(n)).Order(StringComparer.Ordinal).Select(n => new FolderListEvent(n, Deleted: true)));
        known.OwnCreated.Clear();
        // A subscription kept when its folder went, or taken up by a folder of that name, did not change.
        var subscribed = listing.Folders.Where(f => f.Subscribed).Select(f => f.Name).Concat(listing.KeptSubscriptions).ToHashSet(StringComparer.Ordinal);
        var kept = listing.KeptSubscriptions.ToHashSet(StringComparer.Ordinal);
        events.AddRange(kept.Except(wasSubscribed).Order(StringComparer.Ordinal).Select(n => new FolderListEvent(n, Subscribed: true)));
        events.AddRange(known.Kept.Except(subscribed).Order(StringComparer.Ordinal).Select(n => new FolderListEvent(n, Subscribed: false)));
        return events;
    }
}

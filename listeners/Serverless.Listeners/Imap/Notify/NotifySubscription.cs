using System.Buffers;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Notify;

/// <summary>
/// One session's NOTIFY SET (RFC 5465): its event groups, and what happened since the session last
/// told its client — the folders that changed (ids, coalesced) and the LIST lines of mailbox name
/// and subscription changes. Filled from any thread by <see cref="MailboxEvents"/>, emptied by the
/// session. Bounded: past <paramref name="maxPending"/> entries (<see cref="ImapOptions.NotifyMaxPending"/>)
/// the session gives up (RFC 5465 5.8, NOTIFICATIONOVERFLOW) instead of growing. Names in LIST lines are
/// UTF-8 when the session enabled IMAP4rev2 (<paramref name="utf8Names"/>), modified UTF-7 otherwise.
/// </summary>
internal sealed class NotifySubscription(string mailboxId, IReadOnlyList<NotifyGroup> groups, int maxPending, bool utf8Names = false)
{

    private readonly object _gate = new();
    private readonly HashSet<int> _folders = [];
    private readonly List<byte[]> _lines = [];
    private readonly Dictionary<int, (long Messages, long UidNext, long HighestModSeq)> _told = [];
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string MailboxId { get; } = mailboxId;

    public IReadOnlyList<NotifyGroup> Groups { get; } = groups;

    /// <summary>The SELECTED / SELECTED-DELAYED group, if any.</summary>
    public NotifyGroup? Selected { get; } = groups.FirstOrDefault(g => g.Filter is NotifyFilter.Selected or NotifyFilter.SelectedDelayed);

    /// <summary>The groups about folders other than the selected one.</summary>
    public IReadOnlyList<NotifyGroup> Others { get; } = groups.Where(g => g.Filter is not (NotifyFilter.Selected or NotifyFilter.SelectedDelayed)).ToList();

    /// <summary>Whether any group asks for MailboxName or SubscriptionChange events.</summary>
    public bool WantsFolderList { get; } = groups.Any(g => g.Has(NotifyEvents.MailboxName) || g.Has(NotifyEvents.SubscriptionChange));

    /// <summary>More happened than the session may hold.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Completes when something is pending.</summary>
    public Task Signal
    {
        get
        {
            lock (_gate)
            {
                return _signal.Task;
            }
        }
    }

    public bool HasPending
    {
        get
        {
            lock (_gate)
            {
                return Overflowed || _folders.Count > 0 || _lines.Count > 0;
            }
        }
    }

    public void OnFolderChanged(int folderId)
    {
        lock (_gate)
        {
            if (_folders.Add(folderId) && _folders.Count > maxPending)
            {
                Overflow();
            }
            _signal.TrySetResult();
        }
    }

    public void OnMailboxName(string name, string? oldName, bool deleted)
    {
        if (!Wants(NotifyEvents.MailboxName, name) && (oldName is null || !Wants(NotifyEvents.MailboxName, oldName)))
        {
            return;
        }
        Add(w =>
        {
            ImapWire.Raw(w, deleted ? "* LIST (\\NonExistent) \"/\" "u8 : "* LIST () \"/\" "u8);
            ImapWire.Mailbox(w, name, utf8Names);
            if (oldName is not null)
            {
                ImapWire.Raw(w, " (\"OLDNAME\" ("u8);
                ImapWire.Mailbox(w, oldName, utf8Names);
                ImapWire.Raw(w, "))"u8);
            }
        });
    }

    public void OnSubscriptionChange(string name, bool subscribed)
    {
        if (!Wants(NotifyEvents.SubscriptionChange, name))
        {
            return;
        }
        Add(w =>
        {
            ImapWire.Raw(w, subscribed ? "* LIST (\\Subscribed) \"/\" "u8 : "* LIST () \"/\" "u8);
            ImapWire.Mailbox(w, name, utf8Names);
        });
    }

    /// <summary>Takes what is pending: folder ids and the ready LIST lines.</summary>
    public (List<int> Folders, List<byte[]> Lines) Take()
    {
        lock (_gate)
        {
            var taken = (_folders.ToList(), _lines.ToList());
            _folders.Clear();
            _lines.Clear();
            if (_signal.Task.IsCompleted)
            {
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            return taken;
        }
    }

    /// <summary>True when these counters differ from the ones last told for the folder (and remembers them).</summary>
    public bool Changed(int folderId, (long Messages, long UidNext, long HighestModSeq) counters)
    {
        if (_told.TryGetValue(folderId, out var told) && told == counters)
        {
            return false;
        }
        if (_told.Count >= maxPending)
        {
            _told.Clear();
        }
        _told[folderId] = counters;
        return true;
    }

    // A name event is for every group naming the folder (its subscription is not known here: SUBSCRIBED groups take them all).
    private bool Wants(string eventName, string name) =>
        Groups.Any(g => g.Has(eventName) && (g.Filter is NotifyFilter.Selected or NotifyFilter.SelectedDelayed or NotifyFilter.Subscribed || NotifyGroups.Matches(g, name, subscribed: true)));

    private void Add(Action<ArrayBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>(64);
        write(w);
        ImapWire.Crlf(w);
        lock (_gate)
        {
            if (_lines.Count >= maxPending)
            {
                Overflow();
            }
            else
            {
                _lines.Add(w.WrittenSpan.ToArray());
            }
            _signal.TrySetResult();
        }
    }

    private void Overflow()
    {
        Overflowed = true;
        _folders.Clear();
        _lines.Clear();
    }
}

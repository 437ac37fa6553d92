using Serverless.Listeners.Imap.Notify;

namespace Serverless.Listeners.Imap;

internal sealed partial record ImapServices
{
    private MailboxEvents? _events;

    /// <summary>The process's NOTIFY switchboard (one per process, as the services are).</summary>
    public MailboxEvents Events => LazyInitializer.EnsureInitialized(ref _events, () => new MailboxEvents(Watchers, new FolderListTracker(Index)));
}

using System.Diagnostics.CodeAnalysis;
using Serverless.Listeners.Imap.Commands;

namespace Serverless.Listeners.Imap;

/// <summary>When to look for changes made elsewhere and report them.</summary>
internal enum ChangeCheck
{
    /// <summary>Not at all (the command manages it, or may not report them).</summary>
    None,

    /// <summary>Reuse a recent check of the folder (see <see cref="ImapOptions.CommandCheckInterval"/>).</summary>
    Cheap,

    /// <summary>Read the folder row now (NOOP, CHECK).</summary>
    Force,
}

/// <param name="States">States in which the command is allowed (RFC 3501 6).</param>
/// <param name="SyncBefore">Report changes before running (UID commands, which may see EXPUNGE).</param>
/// <param name="SyncAfter">Report changes before the tagged response.</param>
/// <param name="ExpungeAllowed">False for FETCH, STORE and SEARCH: no EXPUNGE while they respond (RFC 3501 7.4.1).</param>
internal sealed record ImapCommandEntry(IImapCommand Handler, ImapStates States, ChangeCheck SyncAfter, bool ExpungeAllowed = true, bool SyncBefore = false);

/// <summary>Which command may run in which state, and how it takes part in change reporting. The one place to look.</summary>
internal static class ImapCommandTable
{
    private static readonly Dictionary<string, ImapCommandEntry> Entries = new(StringComparer.Ordinal)
    {
        // Any state (RFC 3501 6.1, RFC 2971 ID)
        ["CAPABILITY"] = new(new CapabilityCommand(), ImapStates.Any, ChangeCheck.Cheap),
        ["NOOP"] = new(new NoopCommand(), ImapStates.Any, ChangeCheck.Force),
        ["LOGOUT"] = new(new LogoutCommand(), ImapStates.Any, ChangeCheck.None),
        ["ID"] = new(new IdCommand(), ImapStates.Any, ChangeCheck.Cheap),

        // Not authenticated (6.2)
        ["STARTTLS"] = new(new StartTlsCommand(), ImapStates.NotAuthenticated, ChangeCheck.None),
        ["AUTHENTICATE"] = new(new AuthenticateCommand(), ImapStates.NotAuthenticated, ChangeCheck.None),
        ["LOGIN"] = new(new LoginCommand(), ImapStates.NotAuthenticated, ChangeCheck.None),

        // Authenticated (6.3; RFC 5161 ENABLE, RFC 2342 NAMESPACE, RFC 2177 IDLE, RFC 2087 QUOTA)
        ["SELECT"] = new(new SelectCommand(readOnly: false), ImapStates.LoggedIn, ChangeCheck.None),
        ["EXAMINE"] = new(new SelectCommand(readOnly: true), ImapStates.LoggedIn, ChangeCheck.None),
        ["CREATE"] = new(new CreateCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["DELETE"] = new(new DeleteCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["RENAME"] = new(new RenameCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["SUBSCRIBE"] = new(new SubscribeCommand(subscribe: true), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["UNSUBSCRIBE"] = new(new SubscribeCommand(subscribe: false), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["LIST"] = new(new ListCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["LSUB"] = new(new ListCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["STATUS"] = new(new StatusCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["APPEND"] = new(new AppendCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["NAMESPACE"] = new(new NamespaceCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["ENABLE"] = new(new EnableCommand(), ImapStates.LoggedIn, ChangeCheck.None),
        ["IDLE"] = new(new IdleCommand(), ImapStates.LoggedIn, ChangeCheck.None),
        ["GETQUOTAROOT"] = new(new QuotaCommand(QuotaCommand.Kind.GetQuotaRoot), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["GETQUOTA"] = new(new QuotaCommand(QuotaCommand.Kind.GetQuota), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["SETQUOTA"] = new(new QuotaCommand(QuotaCommand.Kind.SetQuota), ImapStates.LoggedIn, ChangeCheck.Cheap),
        ["COMPRESS"] = new(new CompressCommand(), ImapStates.LoggedIn, ChangeCheck.None), // RFC 4978
        ["NOTIFY"] = new(new NotifyCommand(), ImapStates.LoggedIn, ChangeCheck.Force), // RFC 5465: an implicit NOOP
        ["GENURLAUTH"] = new(new GenUrlAuthCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap), // RFC 4467
        ["RESETKEY"] = new(new ResetKeyCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap), // RFC 4467
        ["URLFETCH"] = new(new UrlFetchCommand(), ImapStates.LoggedIn, ChangeCheck.Cheap), // RFC 4467, RFC 5524

        // Selected (6.4; RFC 3691 UNSELECT, RFC 4315 UID EXPUNGE, RFC 6851 MOVE, RFC 5256 SORT / THREAD)
        ["CHECK"] = new(new NoopCommand(), ImapStates.Selected, ChangeCheck.Force),
        ["CLOSE"] = new(new CloseCommand(expunge: true), ImapStates.Selected, ChangeCheck.None),
        ["UNSELECT"] = new(new CloseCommand(expunge: false), ImapStates.Selected, ChangeCheck.None),
        ["EXPUNGE"] = new(new ExpungeCommand(), ImapStates.Selected, ChangeCheck.None),
        ["UID EXPUNGE"] = new(new ExpungeCommand(), ImapStates.Selected, ChangeCheck.None),
        ["SEARCH"] = new(new SearchCommand(), ImapStates.Selected, ChangeCheck.None, ExpungeAllowed: false),
        ["UID SEARCH"] = new(new SearchCommand(), ImapStates.Selected, ChangeCheck.Cheap, SyncBefore: true),
        ["SORT"] = new(new SortCommand(), ImapStates.Selected, ChangeCheck.None, ExpungeAllowed: false),
        ["UID SORT"] = new(new SortCommand(), ImapStates.Selected, ChangeCheck.Cheap, SyncBefore: true),
        ["THREAD"] = new(new ThreadCommand(), ImapStates.Selected, ChangeCheck.None, ExpungeAllowed: false),
        ["UID THREAD"] = new(new ThreadCommand(), ImapStates.Selected, ChangeCheck.Cheap, SyncBefore: true),
        ["FETCH"] = new(new FetchCommand(), ImapStates.Selected, ChangeCheck.None, ExpungeAllowed: false),
        ["UID FETCH"] = new(new FetchCommand(), ImapStates.Selected, ChangeCheck.Cheap, SyncBefore: true),
        ["STORE"] = new(new StoreCommand(), ImapStates.Selected, ChangeCheck.None, ExpungeAllowed: false),
        ["UID STORE"] = new(new StoreCommand(), ImapStates.Selected, ChangeCheck.Cheap, SyncBefore: true),
        ["COPY"] = new(new CopyCommand(move: false), ImapStates.Selected, ChangeCheck.Cheap),
        ["UID COPY"] = new(new CopyCommand(move: false), ImapStates.Selected, ChangeCheck.Cheap),
        ["MOVE"] = new(new CopyCommand(move: true), ImapStates.Selected, ChangeCheck.None),
        ["UID MOVE"] = new(new CopyCommand(move: true), ImapStates.Selected, ChangeCheck.None),
        ["CANCELUPDATE"] = new(new CancelUpdateCommand(), ImapStates.Selected, ChangeCheck.Cheap), // RFC 5267
    };

    public static bool TryGet(string key, [NotNullWhen(true)] out ImapCommandEntry? entry) => Entries.TryGetValue(key, out entry);

    public static IEnumerable<string> Keys => Entries.Keys;
}

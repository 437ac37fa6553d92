using Serverless.Mail.Accounts;

namespace Serverless.Listeners.Imap;

/// <summary>RFC 3501 3: the session's state, carrying what that state knows.</summary>
internal abstract record ImapSessionState
{
    public sealed record NotAuthenticated(int Failures) : ImapSessionState;

    public sealed record Authenticated(MailboxRecord Account) : ImapSessionState;

    public sealed record Selected(MailboxRecord Account, SelectedFolder Folder) : ImapSessionState;

    public sealed record Logout : ImapSessionState;

    /// <summary>The logged-in mailbox account, or null before login.</summary>
    public MailboxRecord? User => this switch
    {
        Authenticated a => a.Account,
        Selected s => s.Account,
        _ => null,
    };

    public ImapStates Kind => this switch
    {
        NotAuthenticated => ImapStates.NotAuthenticated,
        Authenticated => ImapStates.Authenticated,
        Selected => ImapStates.Selected,
        _ => ImapStates.Logout,
    };
}

[Flags]
internal enum ImapStates
{
    None = 0,
    NotAuthenticated = 1,
    Authenticated = 2,
    Selected = 4,
    Logout = 8,
    Any = NotAuthenticated | Authenticated | Selected,
    LoggedIn = Authenticated | Selected,
}

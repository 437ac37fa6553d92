using Serverless.Mail.Index;
using Serverless.Mail.Model;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap;

/// <summary>Finds folders by name, usually with one point read (INBOX's id is fixed; other ids are remembered per process and checked against the folder row).</summary>
internal static class FolderLookup
{
    public static string MailboxId(ImapSession session) =>
        session.State.User?.MailboxId ?? throw new InvalidOperationException("Not logged in.");

    public static async Task<FolderInfo?> FindAsync(ImapSession session, string name, CancellationToken cancellationToken)
    {
        var mailboxId = MailboxId(session);
        name = FolderNames.Normalize(name);
        var watchers = session.Services.Watchers;
        if (watchers.KnownFolderId(mailboxId, name) is int id)
        {
            var folder = await session.Services.Index.GetFolderAsync(mailboxId, id, cancellationToken);
            if (folder is not null && folder.Name == name)
            {
                return folder;
            }
            watchers.ForgetFolderId(mailboxId, name);
        }
        var found = await session.Services.Index.FindFolderAsync(mailboxId, name, cancellationToken);
        if (found is not null)
        {
            watchers.RememberFolderId(mailboxId, found.Name, found.FolderId);
        }
        return found;
    }

    /// <summary>
    /// The folder and its current view from this process's memory (<see cref="FolderWatchers.TryWarm"/>),
    /// or null when storage must be read.
    /// </summary>
    public static (FolderInfo Folder, FolderView View)? FindWarm(ImapSession session, string name) =>
        session.Services.Watchers.TryWarm(MailboxId(session), FolderNames.Normalize(name));

    /// <summary>
    /// The folder an APPEND goes to: from memory when this process knows the name's id (no read —
    /// the append itself checks the name on the folder row it writes under ETag), else as <see cref="FindAsync"/>.
    /// </summary>
    public static async Task<(int Id, string Name)?> FindForAppendAsync(ImapSession session, string name, CancellationToken cancellationToken)
    {
        var normalized = FolderNames.Normalize(name);
        if (session.Services.Watchers.KnownFolderId(MailboxId(session), normalized) is int id)
        {
            return (id, normalized);
        }
        return await FindAsync(session, name, cancellationToken) is { } folder ? (folder.FolderId, folder.Name) : null;
    }

    /// <summary>
    /// Checks a name a client wants to create: not empty, no empty levels, no wildcards, no
    /// control characters, bounded length and depth. Returns the reason it is refused, or null.
    /// </summary>
    public static string? InvalidNameReason(string name)
    {
        if (name.Length == 0)
        {
            return "Mailbox name is empty";
        }
        if (name.Length > 512)
        {
            return "Mailbox name is too long";
        }
        var levels = name.Split(ImapMailboxName.Delimiter);
        if (levels.Length > 32)
        {
            return "Mailbox hierarchy is too deep";
        }
        if (levels.Any(l => l.Length == 0))
        {
            return "Mailbox name has an empty level";
        }
        if (name.Any(c => char.IsControl(c) || c is '*' or '%'))
        {
            return "Mailbox name contains characters that are not allowed";
        }
        return null;
    }
}

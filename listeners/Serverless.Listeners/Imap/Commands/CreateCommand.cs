using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.3 CREATE. A trailing delimiter is dropped; missing superior names are created
/// too ("a/b/c" creates "a" and "a/b"). CREATE-SPECIAL-USE (RFC 6154 3): <c>(USE (\Drafts))</c>
/// gives the new folder one special use; more than one, or one we do not know, is
/// <c>NO [USEATTR]</c> and nothing is created.
/// </summary>
internal sealed class CreateCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (CreateArguments)command.Arguments;
        var name = args.Mailbox.TrimEnd(ImapMailboxName.Delimiter);
        string? use = null;
        if (args.Uses.Count > 1)
        {
            return ImapResult.No("A folder has at most one special use here", "USEATTR");
        }
        if (args.Uses.Count == 1)
        {
            use = Uses.FirstOrDefault(u => u.Equals(args.Uses[0], StringComparison.OrdinalIgnoreCase));
            if (use is null)
            {
                return ImapResult.No("Unknown special use " + args.Uses[0], "USEATTR");
            }
        }
        if (FolderLookup.InvalidNameReason(name) is { } reason)
        {
            return ImapResult.No(reason, "CANNOT");
        }
        if (name == "INBOX")
        {
            return ImapResult.No("INBOX always exists", "ALREADYEXISTS");
        }
        var index = session.Services.Index;
        var mailboxId = FolderLookup.MailboxId(session);
        var existing = (await index.ListFoldersAsync(mailboxId, cancellationToken)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        if (existing.Contains(name))
        {
            return ImapResult.No("Mailbox already exists", "ALREADYEXISTS");
        }
        var levels = name.Split(ImapMailboxName.Delimiter);
        for (var i = 1; i < levels.Length; i++)
        {
            var parent = string.Join(ImapMailboxName.Delimiter, levels[..i]);
            if (!existing.Contains(parent))
            {
                if (await index.CreateFolderAsync(mailboxId, parent, cancellationToken: cancellationToken) is not null)
                {
                    session.Services.Events.MailboxName(mailboxId, session.Notify, parent); // RFC 5465 5.4
                }
            }
        }
        var created = await index.CreateFolderAsync(mailboxId, name, use, cancellationToken: cancellationToken);
        if (created is not null)
        {
            session.Services.Events.MailboxName(mailboxId, session.Notify, created.Name); // RFC 5465 5.4
        }
        return created is null
            ? ImapResult.No("Mailbox already exists", "ALREADYEXISTS")
            : ImapResult.Ok("CREATE completed", $"MAILBOXID ({ImapObjectIds.MailboxId(created.UidValidity, created.FolderId)})"); // RFC 8474
    }

    private static readonly string[] Uses =
        [SpecialUse.All, SpecialUse.Archive, SpecialUse.Drafts, SpecialUse.Flagged, SpecialUse.Junk, SpecialUse.Sent, SpecialUse.Trash];
}

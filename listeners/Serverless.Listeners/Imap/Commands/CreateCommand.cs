using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.3 CREATE. A trailing delimiter is dropped; missing superior names are created
/// too ("a/b/c" creates "a" and "a/b").
/// </summary>
internal sealed class CreateCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var name = ((MailboxArguments)command.Arguments).Mailbox.TrimEnd(ImapMailboxName.Delimiter);
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
                await index.CreateFolderAsync(mailboxId, parent, cancellationToken: cancellationToken);
            }
        }
        var created = await index.CreateFolderAsync(mailboxId, name, cancellationToken: cancellationToken);
        return created is null ? ImapResult.No("Mailbox already exists", "ALREADYEXISTS") : ImapResult.Ok("CREATE completed");
    }
}

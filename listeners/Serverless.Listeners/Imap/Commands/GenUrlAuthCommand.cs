using Serverless.Mail.Model;
using Serverless.Mail.Security;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 4467 7.1 GENURLAUTH: authorizes URLs of the user's own messages with the INTERNAL
/// mechanism, a verifier computed with the folder's mailbox access key (made by the first
/// GENURLAUTH for the folder). All or nothing: one URL refused and the command answers NO.
/// </summary>
internal sealed class GenUrlAuthCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (GenUrlAuthArguments)command.Arguments;
        var user = session.State.User!;
        var authorized = new List<string>();
        foreach (var (rump, mechanism) in args.Urls)
        {
            if (mechanism != "INTERNAL")
            {
                return ImapResult.No("Unsupported URLAUTH mechanism " + mechanism);
            }
            var url = ImapUrl.TryParse(rump);
            if (url is null || !url.IsAbsolute || url.Access is null || url.Token is not null)
            {
                return ImapResult.Bad("Not a URLAUTH rump: an absolute IMAP URL of a message ending in ;URLAUTH=access");
            }
            if (!ImapUrlResolver.IsSessionUser(session, ImapUrlResolver.OwnerLogin(url)))
            {
                return ImapResult.No("A URL can only be authorized for one's own mailboxes");
            }
            if (url.Access.Equals("anonymous", StringComparison.OrdinalIgnoreCase))
            {
                return ImapResult.No("Anonymous URLs are not authorized here");
            }
            var folder = await session.Services.Index.FindFolderAsync(user.MailboxId, FolderNames.Normalize(url.Mailbox), cancellationToken);
            if (folder is null || (url.UidValidity is { } v && v != folder.UidValidity))
            {
                return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
            }
            var key = await session.Services.AccessKeys.GetOrCreateAsync(user.MailboxId, folder.FolderId, session.Services.Time.GetUtcNow(), cancellationToken);
            authorized.Add(rump + ":internal:" + MailboxAccessKeys.Sign(key, rump));
        }
        var w = session.Output;
        ImapWire.Raw(w, "* GENURLAUTH"u8);
        foreach (var url in authorized)
        {
            ImapWire.Space(w);
            ImapWire.String(w, url);
        }
        ImapWire.Crlf(w);
        return ImapResult.Ok("GENURLAUTH completed");
    }
}

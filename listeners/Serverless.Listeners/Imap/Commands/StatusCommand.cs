using System.Globalization;
using System.Text;
using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>RFC 3501 6.3.10 STATUS, from the folder row's counters (one or two point reads).</summary>
internal sealed class StatusCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (StatusArguments)command.Arguments;
        var folder = await FolderLookup.FindAsync(session, args.Mailbox, cancellationToken);
        if (folder is null)
        {
            return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
        }
        if (args.Items.Contains("HIGHESTMODSEQ"))
        {
            session.CondStore = true; // RFC 7162 3.1: a CONDSTORE-enabling command
        }
        WriteStatus(session, folder, args.Items);
        return ImapResult.Ok("STATUS completed");
    }

    /// <summary>* STATUS name (item value ...)</summary>
    public static void WriteStatus(ImapSession session, FolderInfo folder, IReadOnlyList<string> items)
    {
        ImapWire.Raw(session.Output, "* STATUS "u8);
        ImapWire.Mailbox(session.Output, folder.Name);
        var sb = new StringBuilder(" (");
        foreach (var item in items)
        {
            if (sb.Length > 2)
            {
                sb.Append(' ');
            }
            if (item == "MAILBOXID")
            {
                sb.Append("MAILBOXID (").Append(ImapObjectIds.MailboxId(folder.UidValidity, folder.FolderId)).Append(')');
                continue;
            }
            var value = item switch
            {
                "MESSAGES" => folder.Messages,
                // Messages at or above RecentFromUid are \Recent for the next session to claim them,
                // unless a session of this process already has them (RecentClaims).
                "RECENT" => Math.Clamp(folder.UidNext - Math.Max(folder.RecentFromUid, session.Services.Watchers.Recent.ClaimedTo(session.State.User!.MailboxId, folder.FolderId)), 0, folder.Messages),
                "UIDNEXT" => folder.UidNext,
                "UIDVALIDITY" => folder.UidValidity,
                "UNSEEN" => folder.Unseen,
                "HIGHESTMODSEQ" => folder.HighestModSeq,
                "SIZE" => folder.Bytes, // RFC 8438: the octets of all its messages
                "APPENDLIMIT" => session.Services.Options.MaxAppendSize, // RFC 7889: the same for every folder
                _ => 0,
            };
            sb.Append(item).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture));
        }
        sb.Append(')');
        session.WriteLine(sb.ToString());
    }
}

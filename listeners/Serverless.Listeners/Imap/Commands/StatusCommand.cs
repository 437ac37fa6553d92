using System.Globalization;
using System.Text;
using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.10 STATUS, from the folder's current view when this process keeps one (no read; see
/// <see cref="FolderWatchers.TryWarm"/>), else from the folder row's counters (one or two point reads). DELETED (RFC 9051
/// 6.3.11) is not a counter: it is counted on the folder's view, shared with the process's sessions
/// that have the folder selected, else read as SELECT reads it.
/// </summary>
internal sealed class StatusCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (StatusArguments)command.Arguments;
        if (args.Items.Contains("HIGHESTMODSEQ"))
        {
            session.CondStore = true; // RFC 7162 3.1: a CONDSTORE-enabling command
        }
        // A folder whose shared view is current answers from it (the counters a STATUS asks for
        // are all in the view but SIZE): no read, as fresh as any command's check.
        if (args.Items.All(i => i != "SIZE") && FolderLookup.FindWarm(session, args.Mailbox) is var (row, view))
        {
            WriteStatus(session, FromView(row, view), args.Items, view.Count - view.CountWithout(ImapFlags.Deleted));
            return ImapResult.Ok("STATUS completed");
        }
        var folder = await FolderLookup.FindAsync(session, args.Mailbox, cancellationToken);
        if (folder is null)
        {
            return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
        }
        WriteStatus(session, folder, args.Items, await CountDeletedAsync(session, folder, args.Items, cancellationToken));
        return ImapResult.Ok("STATUS completed");
    }

    /// <summary>
    /// The folder's counters as its current view has them. The row the view was checked with may be
    /// older (this process's own writes move only the view); its RecentFromUid is still the floor of
    /// what storage says is \Recent, and this process's claims are applied on top (<see cref="RecentClaims"/>).
    /// </summary>
    private static FolderInfo FromView(FolderInfo row, FolderView view) => row with
    {
        UidValidity = view.UidValidity,
        UidNext = Math.Max(view.UidNext, view.LastUid + 1),
        HighestModSeq = view.HighestModSeq,
        Messages = view.Count,
        Unseen = view.CountWithout(ImapFlags.Seen),
    };

    /// <summary>Messages with \Deleted when <paramref name="items"/> asks for DELETED, else 0 (and no read).</summary>
    public static async Task<long> CountDeletedAsync(ImapSession session, FolderInfo folder, IReadOnlyList<string> items, CancellationToken cancellationToken)
    {
        if (!items.Contains("DELETED"))
        {
            return 0;
        }
        var watchers = session.Services.Watchers;
        var watcher = watchers.Acquire(FolderLookup.MailboxId(session), folder.FolderId);
        try
        {
            var view = await watcher.GetCurrentAsync(force: false, session.Services.Options.CommandCheckInterval, folder, cancellationToken);
            return view is null ? 0 : view.Count - view.CountWithout(ImapFlags.Deleted);
        }
        finally
        {
            watchers.Release(watcher);
        }
    }

    /// <summary>* STATUS name (item value ...)</summary>
    public static void WriteStatus(ImapSession session, FolderInfo folder, IReadOnlyList<string> items, long deleted = 0)
    {
        ImapWire.Raw(session.Output, "* STATUS "u8);
        session.WriteMailbox(folder.Name);
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
                "DELETED" => deleted,
                "APPENDLIMIT" => session.Services.Options.MaxAppendSize, // RFC 7889: the same for every folder
                _ => 0,
            };
            sb.Append(item).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture));
        }
        sb.Append(')');
        session.WriteLine(sb.ToString());
    }
}

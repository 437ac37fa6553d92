using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.1 SELECT and 6.3.2 EXAMINE, with RFC 7162 CONDSTORE and QRESYNC. A SELECT of a folder
/// whose shared view is current (checked within the command check interval, the change feed followed)
/// reads nothing but claims \Recent mail when there is any; otherwise one point read of the folder row
/// when this process has a view of the folder, else the view comes from the folder's snapshot (one
/// more query), brought up to date from the change log.
/// </summary>
internal sealed class SelectCommand(bool readOnly) : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (SelectArguments)command.Arguments;
        if (args.QResync is not null && !session.QResync)
        {
            return ImapResult.Bad("QRESYNC must be enabled first"); // RFC 7162 3.2.5
        }
        if (args.CondStore)
        {
            session.CondStore = true;
        }
        // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1); RFC 7162 announces the switch.
        if (session.State is ImapSessionState.Selected)
        {
            session.Deselect();
            session.WriteLine("* OK [CLOSED] Previous mailbox closed");
        }
        var account = session.State.User!;
        // SELECT of a folder whose view this process keeps current (another session has it selected,
        // or had it lately) reads nothing: the view is as fresh as any command's check, and the
        // \Recent claim below is guarded by the row's ETag (EXAMINE, which claims nothing, reads).
        var warm = readOnly ? null : FolderLookup.FindWarm(session, args.Mailbox);
        var folder = warm?.Folder ?? await FolderLookup.FindAsync(session, args.Mailbox, cancellationToken);
        if (folder is null)
        {
            return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
        }
        var watcher = session.Services.Watchers.Acquire(account.MailboxId, folder.FolderId);
        FolderView? view = null;
        if (warm is not null)
        {
            view = watcher.TryCurrent(session.Services.Options.CommandCheckInterval);
            if (view is null || watcher.Folder is not { } current || current.Name != folder.Name)
            {
                // No longer current (a change from elsewhere came in meanwhile): as without a view.
                session.Services.Watchers.Release(watcher);
                view = null;
                folder = await FolderLookup.FindAsync(session, args.Mailbox, cancellationToken);
                if (folder is null)
                {
                    return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
                }
                watcher = session.Services.Watchers.Acquire(account.MailboxId, folder.FolderId);
            }
            else
            {
                folder = current;
            }
        }
        try
        {
            view ??= await watcher.GetCurrentAsync(force: true, TimeSpan.Zero, folder, cancellationToken);
            if (view is null)
            {
                session.Services.Watchers.Release(watcher);
                return ImapResult.No("Mailbox does not exist", "NONEXISTENT");
            }
            var selected = new SelectedFolder(watcher, folder, view, readOnly) { Rev2 = session.Rev2 };
            var (recentFrom, recentTo) = readOnly
                ? (folder.RecentFromUid, folder.UidNext) // EXAMINE shows \Recent without claiming it
                : await session.Services.Index.ClaimRecentAsync(account.MailboxId, folder, cancellationToken);
            if (!readOnly)
            {
                // Less what a session of this process claimed while it had the folder selected.
                (recentFrom, recentTo) = session.Services.Watchers.Recent.Claim(account.MailboxId, folder.FolderId, recentFrom, recentTo);
            }
            else
            {
                recentFrom = Math.Max(recentFrom, session.Services.Watchers.Recent.ClaimedTo(account.MailboxId, folder.FolderId));
            }
            selected.AddRecent(recentFrom, recentTo);
            WriteSelectResponses(session, selected, view);
            if (session.Rev2)
            {
                await WriteListResponseAsync(session, folder, cancellationToken);
            }
            if (args.QResync is { } known && known.UidValidity == view.UidValidity)
            {
                await QuickResync.WriteAsync(session, account.MailboxId, selected, known, cancellationToken);
            }
            session.State = new ImapSessionState.Selected(account, selected);
        }
        catch
        {
            session.Services.Watchers.Release(watcher);
            throw;
        }
        return readOnly ? ImapResult.Ok("EXAMINE completed", "READ-ONLY") : ImapResult.Ok("SELECT completed", "READ-WRITE");
    }

    private void WriteSelectResponses(ImapSession session, SelectedFolder selected, FolderView view)
    {
        session.WriteLine("* FLAGS (" + string.Join(' ', selected.Flags) + ")");
        session.WriteLine(readOnly
            ? "* OK [PERMANENTFLAGS ()] No permanent flags in a read-only mailbox"
            : "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted");
        session.WriteLine(FormattableString.Invariant($"* {view.Count} EXISTS"));
        if (!session.Rev2)
        {
            // Deprecated by IMAP4rev2 (RFC 9051 Appendix E 11, 12): RECENT and the UNSEEN response code.
            session.WriteLine(FormattableString.Invariant($"* {selected.RecentCount()} RECENT"));
            var firstUnseen = view.FirstWithout(ImapFlags.Seen);
            if (firstUnseen >= 0)
            {
                session.WriteLine(FormattableString.Invariant($"* OK [UNSEEN {firstUnseen + 1}] First unseen message"));
            }
        }
        session.WriteLine(FormattableString.Invariant($"* OK [UIDVALIDITY {view.UidValidity}] UIDs valid"));
        session.WriteLine($"* OK [MAILBOXID ({ImapObjectIds.MailboxId(view.UidValidity, selected.FolderId)})] Ok"); // RFC 8474
        session.WriteLine(FormattableString.Invariant($"* OK [UIDNEXT {Math.Max(view.UidNext, view.LastUid + 1)}] Predicted next UID"));
        if (session.CondStore)
        {
            session.WriteLine(FormattableString.Invariant($"* OK [HIGHESTMODSEQ {view.HighestModSeq}] Highest mailbox mod-sequence"));
        }
    }

    /// <summary>
    /// IMAP4rev2 (RFC 9051 6.3.2): SELECT and EXAMINE tell the mailbox's name and accurate attributes in
    /// a LIST response, as LIST would (children and special use). One query of the folder list, or none while the process's copy is current.
    /// </summary>
    private static async Task WriteListResponseAsync(ImapSession session, FolderInfo folder, CancellationToken cancellationToken)
    {
        var folders = (await session.Services.Watchers.ListFoldersAsync(FolderLookup.MailboxId(session), cancellationToken)).Folders;
        var prefix = folder.Name + "/";
        var attributes = folders.Any(f => f.Name.StartsWith(prefix, StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren";
        if (folder.SpecialUse is { } use)
        {
            attributes += " " + use;
        }
        ImapWire.Text(session.Output, $"* LIST ({attributes}) \"/\" ");
        session.WriteMailbox(folder.Name);
        ImapWire.Crlf(session.Output);
    }
}

using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.4.5 FETCH / 6.4.8 UID FETCH, with RFC 7162 MODSEQ, CHANGEDSINCE and VANISHED. Fetching a body
/// section without .PEEK sets \Seen first (one STORE transaction) and reports the new flags.
/// </summary>
internal sealed class FetchCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (FetchArguments)command.Arguments;
        var selected = session.Selected!;
        var items = args.Items.ToList();
        if (command.Uid && !items.Any(i => i.Kind == FetchItemKind.Uid))
        {
            items.Insert(0, FetchItem.Of(FetchItemKind.Uid)); // RFC 3501 6.4.8
        }
        if (args.ChangedSince is not null && !items.Any(i => i.Kind == FetchItemKind.ModSeq))
        {
            items.Add(FetchItem.Of(FetchItemKind.ModSeq));
        }
        if (items.Any(i => i.Kind == FetchItemKind.ModSeq))
        {
            session.EnableCondStore(); // RFC 7162 3.1: FETCH MODSEQ enables CONDSTORE
        }
        if (args.Vanished && (!command.Uid || !session.QResync))
        {
            return ImapResult.Bad(command.Uid ? "QRESYNC must be enabled first" : "VANISHED needs UID FETCH"); // RFC 7162 3.2.6
        }
        var indices = selected.Resolve(args.Set, command.Uid);
        if (args.ChangedSince is long since)
        {
            indices = indices.Where(i => selected.ModSeqAt(i) > since).ToList();
            if (args.Vanished)
            {
                await QuickResync.WriteVanishedAsync(session, FolderLookup.MailboxId(session), selected, since, args.Set, cancellationToken);
            }
        }
        var seenNow = new HashSet<int>();
        if (!selected.ReadOnly && items.Any(i => i.SetsSeen))
        {
            await MarkSeenAsync(session, selected, indices, seenNow, cancellationToken);
        }
        var fetcher = new MessageFetcher(session, selected, items, seenNow);
        await fetcher.WriteAsync(indices, cancellationToken);
        return fetcher.Missing > 0
            ? ImapResult.Ok("Some messages were expunged meanwhile", "EXPUNGEISSUED")
            : ImapResult.Ok(command.Key + " completed");
    }

    private static async Task MarkSeenAsync(ImapSession session, SelectedFolder selected, List<int> indices, HashSet<int> seenNow, CancellationToken cancellationToken)
    {
        var unseen = indices.Where(i => !selected.HasFlagAt(i, ImapFlags.Seen)).ToList();
        if (unseen.Count == 0)
        {
            return;
        }
        var results = await session.Services.Index.StoreFlagsAsync(FolderLookup.MailboxId(session), selected.FolderId,
            unseen.Select(selected.View.Uid).ToList(), FlagMode.Add, [ImapFlags.Seen], cancellationToken: cancellationToken);
        var byUid = results.ToDictionary(r => r.Uid);
        foreach (var index in unseen)
        {
            if (byUid.TryGetValue(selected.View.Uid(index), out var r))
            {
                selected.RecordStored(r.Uid, r.Flags, r.ModSeq);
                seenNow.Add(index);
            }
        }
    }
}

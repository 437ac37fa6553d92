using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.4.6 STORE with RFC 7162 UNCHANGEDSINCE: one index transaction per chunk of
/// messages; untagged FETCH with the new flags (and MODSEQ under CONDSTORE) unless .SILENT;
/// messages changed since the given MODSEQ are left alone and listed in [MODIFIED].
/// </summary>
internal sealed class StoreCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (StoreArguments)command.Arguments;
        var selected = session.Selected!;
        if (selected.ReadOnly)
        {
            return ImapResult.No("The mailbox is read-only");
        }
        if (args.UnchangedSince is not null)
        {
            session.EnableCondStore();
        }
        var indices = selected.Resolve(args.Set, command.Uid);
        if (indices.Count == 0)
        {
            return ImapResult.Ok(command.Key + " completed");
        }
        if (args.Mode != StoreMode.Remove)
        {
            // The flags each message would end up with: the same keywords as a set, as the index merges them.
            foreach (var index in indices)
            {
                var after = args.Mode == StoreMode.Add ? selected.FlagsAt(index).Union(args.Flags, StringComparer.Ordinal) : args.Flags;
                if (KeywordLimits.Check(after.Distinct(StringComparer.Ordinal), session.Services.Options) is { } refused)
                {
                    return refused;
                }
                if (args.Mode != StoreMode.Add)
                {
                    break; // the same list for every message
                }
            }
        }
        var uids = indices.Select(selected.View.Uid).ToList();
        var mode = args.Mode switch
        {
            StoreMode.Add => FlagMode.Add,
            StoreMode.Remove => FlagMode.Remove,
            _ => FlagMode.Replace,
        };
        var results = (await session.Services.Index.StoreFlagsAsync(FolderLookup.MailboxId(session), selected.FolderId, uids, mode, args.Flags, args.UnchangedSince, cancellationToken))
            .ToDictionary(r => r.Uid);
        await JunkLearning.AfterStoreAsync(session, selected, mode != FlagMode.Remove, args.Flags, results.Values.Where(r => r.Modified).Select(r => r.Uid), cancellationToken);
        var failed = new List<long>();
        selected.AnnounceKeywords(results.Values.Where(r => r.Modified).SelectMany(r => r.Flags), session.Output);
        foreach (var index in indices)
        {
            var uid = selected.View.Uid(index);
            if (!results.TryGetValue(uid, out var r))
            {
                continue; // expunged meanwhile
            }
            if (!r.Modified)
            {
                failed.Add(command.Uid ? uid : index + 1);
                continue;
            }
            selected.RecordStored(uid, r.Flags, r.ModSeq);
            if (!args.Silent)
            {
                WriteFetch(session, selected, index, command.Uid, flags: true);
            }
            else if (session.CondStore)
            {
                WriteFetch(session, selected, index, command.Uid, flags: false);
            }
            await session.FlushIfLargeAsync(cancellationToken);
        }
        return failed.Count > 0
            ? ImapResult.Ok("Conditional STORE failed for some messages", "MODIFIED " + SequenceSet.Format(failed))
            : ImapResult.Ok(command.Key + " completed");
    }

    private static void WriteFetch(ImapSession session, SelectedFolder selected, int index, bool uid, bool flags)
    {
        var w = session.Output;
        ImapWire.Raw(w, "* "u8);
        ImapWire.Number(w, index + 1);
        ImapWire.Raw(w, " FETCH ("u8);
        var space = false;
        if (flags)
        {
            ImapWire.Raw(w, "FLAGS "u8);
            ImapWire.FlagList(w, selected.FlagsAt(index));
            space = true;
        }
        if (uid)
        {
            ImapWire.Raw(w, space ? " UID "u8 : "UID "u8);
            ImapWire.Number(w, selected.View.Uid(index));
            space = true;
        }
        if (session.CondStore)
        {
            ImapWire.Raw(w, space ? " MODSEQ ("u8 : "MODSEQ ("u8);
            ImapWire.Number(w, selected.ModSeqAt(index));
            ImapWire.Raw(w, ")"u8);
        }
        ImapWire.Raw(w, ")\r\n"u8);
    }
}

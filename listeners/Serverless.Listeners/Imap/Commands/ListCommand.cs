using Serverless.Mail.Index;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.3.8 LIST and 6.3.9 LSUB, with LIST-EXTENDED (RFC 5258: selection and return options,
/// several patterns, CHILDINFO), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154) and CHILDREN
/// (RFC 3348). One query lists every folder of the mailbox (or none, while the process's copy of
/// the list is current: <see cref="FolderWatchers.ListFoldersAsync"/>). A name that exists only because
/// folders below it do is \Noselect (\NonExistent in extended LIST).
/// </summary>
internal sealed class ListCommand : IImapCommand
{
    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (ListArguments)command.Arguments;
        var lsub = command.Name == "LSUB";
        var verb = lsub ? "LSUB" : "LIST";
        if (args.Patterns.Count == 0)
        {
            return ImapResult.Ok(verb + " completed"); // no valid pattern: nothing can match
        }
        if (args.Patterns is [""] && !args.Extended)
        {
            // The hierarchy delimiter and root (RFC 3501 6.3.8).
            session.WriteLine($"* {verb} (\\Noselect) \"/\" \"\"");
            return ImapResult.Ok(verb + " completed");
        }
        // LIST-STATUS reports counters: those come fresh. Names, attributes and subscriptions may come
        // from the list this process keeps while the change feed is followed (FolderWatchers.ListFoldersAsync).
        var listing = args.ReturnStatus is null
            ? await session.Services.Watchers.ListFoldersAsync(FolderLookup.MailboxId(session), cancellationToken)
            : await session.Services.Index.ListFoldersAndSubscriptionsAsync(FolderLookup.MailboxId(session), cancellationToken);
        var byName = listing.Folders.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var names = new SortedSet<string>(byName.Keys, NameOrder.Instance);
        foreach (var name in byName.Keys)
        {
            for (var i = name.IndexOf('/', StringComparison.Ordinal); i > 0; i = name.IndexOf('/', i + 1))
            {
                names.Add(name[..i]); // implied parents
            }
        }
        // Subscribed names whose folder is gone are listed only when subscriptions are asked for.
        var kept = listing.KeptSubscriptions.ToHashSet(StringComparer.Ordinal);
        var candidates = names;
        if ((lsub || args.SelectSubscribed) && kept.Count > 0)
        {
            candidates = new SortedSet<string>(names, NameOrder.Instance);
            candidates.UnionWith(kept);
        }
        var patterns = args.Patterns.Select(p => new ImapListPattern(args.Reference, p)).ToList();
        bool Matches(string name) => patterns.Any(p => p.Matches(name));
        bool HasChildren(string name) => names.GetViewBetween(name + "/", name + "/\uffff").Count > 0;
        bool IsSubscribed(string name) => byName.TryGetValue(name, out var f) ? f.Subscribed || kept.Contains(name) : kept.Contains(name);
        // RFC 5258 3.5 (and RFC 3501 6.3.9 for LSUB): a parent stands in for subscribed children
        // the patterns do not list themselves; children that are listed need no stand-in.
        bool HasUnlistedSubscribedChild(string name) =>
            candidates.GetViewBetween(name + "/", name + "/\uffff").Any(n => IsSubscribed(n) && !Matches(n));

        foreach (var name in candidates)
        {
            byName.TryGetValue(name, out var folder);
            var attributes = new List<string>();
            string? childInfo = null;
            if (lsub || args.SelectSubscribed)
            {
                if (!Matches(name))
                {
                    continue;
                }
                if (!IsSubscribed(name))
                {
                    if (lsub && HasUnlistedSubscribedChild(name))
                    {
                        attributes.Add("\\Noselect");
                    }
                    else if (args.SelectRecursiveMatch && HasUnlistedSubscribedChild(name))
                    {
                        childInfo = "SUBSCRIBED";
                    }
                    else
                    {
                        continue;
                    }
                }
            }
            else if (!Matches(name))
            {
                continue;
            }
            if (args.SelectSpecialUse && folder?.SpecialUse is null)
            {
                continue;
            }
            if (folder is null)
            {
                if (!attributes.Contains("\\Noselect"))
                {
                    // LIST-EXTENDED is part of IMAP4rev2 (RFC 9051 6.3.9.6): \NonExistent there even for the basic form.
                    attributes.Add(args.Extended || session.Rev2 ? "\\NonExistent" : "\\Noselect");
                }
            }
            if (!lsub)
            {
                attributes.Add(HasChildren(name) ? "\\HasChildren" : "\\HasNoChildren");
                if (folder?.SpecialUse is { } use)
                {
                    attributes.Add(use);
                }
                if ((args.ReturnSubscribed || args.SelectSubscribed) && IsSubscribed(name) && !attributes.Contains("\\Subscribed"))
                {
                    attributes.Add("\\Subscribed");
                }
            }
            ImapWire.Text(session.Output, $"* {verb} ({string.Join(' ', attributes)}) \"/\" ");
            session.WriteMailbox(name);
            if (childInfo is not null)
            {
                ImapWire.Text(session.Output, $" (\"CHILDINFO\" (\"{childInfo}\"))");
            }
            ImapWire.Crlf(session.Output);
            if (args.ReturnStatus is { } items && folder is not null)
            {
                StatusCommand.WriteStatus(session, folder, items, await StatusCommand.CountDeletedAsync(session, folder, items, cancellationToken));
            }
            await session.FlushIfLargeAsync(cancellationToken);
        }
        return ImapResult.Ok(verb + " completed");
    }

    /// <summary>INBOX first, then by name; "/" sorts before any other character so children follow their parent.</summary>
    private sealed class NameOrder : IComparer<string>
    {
        public static NameOrder Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            if (x == y)
            {
                return 0;
            }
            if (x is null || y is null)
            {
                return x is null ? -1 : 1;
            }
            var xi = x == "INBOX" || x.StartsWith("INBOX/", StringComparison.Ordinal);
            var yi = y == "INBOX" || y.StartsWith("INBOX/", StringComparison.Ordinal);
            if (xi != yi)
            {
                return xi ? -1 : 1;
            }
            return string.CompareOrdinal(x.Replace('/', '\u0001'), y.Replace('/', '\u0001'));
        }
    }
}

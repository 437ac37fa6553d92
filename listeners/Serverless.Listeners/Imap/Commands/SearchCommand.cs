using System.Text;
using Serverless.Protocols.Imap;

namespace Serverless.Listeners.Imap.Commands;

/// <summary>
/// RFC 3501 6.4.4 SEARCH / UID SEARCH, with CHARSET UTF-8, RFC 7162 MODSEQ, RFC 4731 RETURN (ESEARCH)
/// and RFC 5182 RETURN (SAVE). With IMAP4rev2 enabled a SEARCH without RETURN is answered with
/// ESEARCH ALL (RFC 9051 6.4.4), never with the SEARCH response.
/// </summary>
internal sealed class SearchCommand : IImapCommand
{
    private static readonly string[] Rev2Default = ["ALL"];

    public async Task<ImapResult> ExecuteAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var args = (SearchArguments)command.Arguments;
        if (args.Charset is { } charset && !charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
        {
            return ImapResult.No("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
        }
        var modSeq = SearchEvaluator.Needs(args.Key, k => k is SearchModSeq);
        if (modSeq)
        {
            session.EnableCondStore();
        }
        var selected = session.Selected!;
        List<int> matches;
        try
        {
            matches = await new SearchEvaluator(session, selected).EvaluateAsync(args.Key, cancellationToken);
        }
        catch
        {
            selected.Saved.Clear(); // RFC 5182 2.1: a failed SEARCH empties "$"
            throw;
        }
        if ((args.Return ?? (session.Rev2 ? Rev2Default : null)) is { } options)
        {
            selected.Saved.SaveIfAsked(options, [.. matches.Select(selected.View.Uid)]);
            if (options is ["SAVE"])
            {
                return ImapResult.Ok(command.Key + " completed"); // SAVE alone answers nothing (RFC 5182 2.1)
            }
            var numbers = matches.Select(i => command.Uid ? selected.View.Uid(i) : i + 1L).ToList();
            // RFC 4731 3.2: with only MIN and/or MAX the MODSEQ is that of the messages returned.
            var returned = matches;
            if (matches.Count > 0 && options.Count > 0 && !options.Any(o => o is "ALL" or "COUNT"))
            {
                returned = [.. options.Contains("MIN") ? new[] { matches[0] } : [], .. options.Contains("MAX") ? new[] { matches[^1] } : []];
            }
            long? highest = modSeq && returned.Count > 0 ? returned.Max(selected.ModSeqAt) : null;
            session.WriteLine(ImapEsearchResponse.Format(command.Tag, command.Uid, options, numbers, highest, args.Partial));
            if (options.Contains("UPDATE"))
            {
                var context = new SearchContext(command.Tag, command.Uid, args.Key, sort: null);
                context.Results.AddRange(matches.Select(selected.View.Uid));
                KeepContext(session, selected, context, options);
            }
            return ImapResult.Ok(command.Key + " completed");
        }
        var line = new StringBuilder("* SEARCH");
        foreach (var index in matches)
        {
            line.Append(' ').Append(command.Uid ? selected.View.Uid(index) : index + 1);
        }
        if (modSeq && matches.Count > 0)
        {
            line.Append(" (MODSEQ ").Append(matches.Max(selected.ModSeqAt)).Append(')');
        }
        session.WriteLine(line.ToString());
        return ImapResult.Ok(command.Key + " completed");
    }

    /// <summary>
    /// RFC 5267 4.3: keeps the result updated from now on. Only a result that is the whole set (ALL,
    /// or nothing now) is kept; MIN, MAX, COUNT and PARTIAL windows, and contexts beyond the
    /// session's limit, are answered NOUPDATE and not followed.
    /// </summary>
    public static void KeepContext(ImapSession session, SelectedFolder selected, SearchContext context, IReadOnlyList<string> options)
    {
        if (options.Any(o => o is "MIN" or "MAX" or "COUNT" or "PARTIAL"))
        {
            session.WriteLine($"* NO [NOUPDATE \"{context.Tag}\"] Only ALL results are kept updated");
            return;
        }
        context.Checked(selected);
        if (!session.SearchUpdates.TryAdd(context))
        {
            session.WriteLine($"* NO [NOUPDATE \"{context.Tag}\"] Too many searches kept updated");
        }
    }
}
